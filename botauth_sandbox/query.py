"""The query parameters of X's v2 lookups: which exist, which values they take, both spellings.

Spec 2.167 renamed "tweet" to "post" on the wire (`post.fields`, `pinned_post_id`, ...) while
tweepy 4.17 and X's own answers recorded so far use the older names. The sandbox accepts both and
answers in the spelling the request used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.http import QueryDict

from botauth_sandbox import problems


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The values of spec 2.167, plus the older ones tweepy 4.17 sends (`tweepy.user.USER_FIELDS`,
# `tweepy.tweet.TWEET_FIELDS`), which X still answers.
USER_FIELDS = _names(
    "affiliation confirmed_email connection_status created_at description entities id "
    "is_identity_verified location most_recent_post_id most_recent_tweet_id name parody "
    "pinned_post_id pinned_tweet_id profile_banner_url profile_image_url protected "
    "public_metrics receives_your_dm subscribes_to_you subscription subscription_type url "
    "username verified verified_followers_count verified_type withheld"
)
POST_FIELDS = _names(
    "article article_title attachments author_id card_uri community_id context_annotations "
    "conversation_id created_at display_text_range edit_controls edit_history_post_ids "
    "edit_history_tweet_ids entities geo id in_reply_to_user_id lang matched_media_notes "
    "media_metadata non_public_metrics note_post note_request_suggestions organic_metrics "
    "paid_partnership possibly_sensitive promoted_metrics public_metrics referenced_posts "
    "referenced_tweets reply_settings scopes source suggested_source_links "
    "suggested_source_links_with_counts text withheld"
)
MEDIA_FIELDS = _names(
    "alt_text duration_ms height media_key non_public_metrics organic_metrics "
    "preview_image_url promoted_metrics public_metrics type url variants width"
)
POLL_FIELDS = _names("duration_minutes end_datetime id options voting_status")
PLACE_FIELDS = _names("contained_within country country_code full_name geo id name place_type")
USER_EXPANSIONS = _names(
    "affiliation affiliation.user_id most_recent_post_id most_recent_tweet_id "
    "pinned_post_id pinned_tweet_id"
)
POST_EXPANSIONS = _names(
    "article.cover_media article.media_entities attachments.media_keys "
    "attachments.media_source_tweet attachments.poll_ids author_id edit_history_post_ids "
    "edit_history_tweet_ids entities.mentions.username geo.place_id in_reply_to_user_id "
    "referenced_posts referenced_posts.id referenced_tweets.id referenced_tweets.id.author_id "
    "username"
)

USER_LOOKUP = {
    "user.fields": USER_FIELDS,
    "expansions": USER_EXPANSIONS,
    "tweet.fields": POST_FIELDS,
    "post.fields": POST_FIELDS,
}
POST_LOOKUP = {
    "tweet.fields": POST_FIELDS,
    "post.fields": POST_FIELDS,
    "expansions": POST_EXPANSIONS,
    "user.fields": USER_FIELDS,
    "media.fields": MEDIA_FIELDS,
    "poll.fields": POLL_FIELDS,
    "place.fields": PLACE_FIELDS,
}
NO_PARAMETERS: dict[str, frozenset[str]] = {}

ID_PATTERN = r"^[0-9]{1,19}$"
USERNAME_PATTERN = r"^[A-Za-z0-9_]{1,15}$"


@dataclass(frozen=True)
class Lookup:
    """What a request asked to see: field values per object, expansions, and its spelling."""

    fields: dict[str, frozenset[str]] = field(default_factory=dict)
    word: str = "tweet"

    def of(self, name: str) -> frozenset[str]:
        return self.fields.get(name, frozenset())

    @property
    def user_fields(self) -> frozenset[str]:
        return self.of("user.fields")

    @property
    def post_fields(self) -> frozenset[str]:
        return self.of("tweet.fields") | self.of("post.fields")

    @property
    def expansions(self) -> frozenset[str]:
        return self.of("expansions")

    def spelled(self, name: str) -> str:
        """`name` with "tweet" in it, spelled as the request spells it."""
        return name.replace("tweet", self.word)


def parse(
    query: QueryDict,
    allowed: dict[str, frozenset[str]],
    *,
    path_parameters: Iterable[str] = (),
) -> Lookup:
    """Validate the query string as X does: unknown parameters and values are a 400."""
    errors = []
    found: dict[str, frozenset[str]] = {}
    known = [*path_parameters, *allowed]
    for name in query:
        if name.startswith("oauth_"):
            continue
        raw = ",".join(query.getlist(name))
        if name not in allowed:
            errors.append(
                problems.param_error(
                    name,
                    [raw],
                    f"The query parameter [{name}] is not one of [{','.join(known)}]",
                )
            )
            continue
        values = raw.split(",")
        unknown = [value for value in values if value not in allowed[name]]
        if unknown:
            errors.append(
                problems.param_error(
                    name,
                    unknown,
                    f"The `{name}` query parameter value [{unknown[0]}] is not one of "
                    f"[{','.join(sorted(allowed[name]))}]",
                )
            )
            continue
        found[name] = frozenset(values)
    if errors:
        raise problems.invalid_request(*errors)
    return Lookup(fields=found, word=_word(found))


def check_path(name: str, value: str, pattern: str) -> None:
    if not re.fullmatch(pattern.strip("^$"), value):
        raise problems.invalid_parameter(
            name, value, f"The `{name}` query parameter value [{value}] does not match {pattern}"
        )


def _word(found: dict[str, frozenset[str]]) -> str:
    if "post.fields" in found and "tweet.fields" not in found:
        return "post"
    spelled = [value for values in found.values() for value in values]
    if any("_post_" in value or value.endswith("_posts") for value in spelled):
        return "post"
    return "tweet"
