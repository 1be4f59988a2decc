"""Posts: created and deleted as POST/DELETE /2/tweets do, shown as X's v2 Post object."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from botauth_sandbox import media, problems, schema
from botauth_sandbox.models import Media, Post, SandboxUser
from botauth_sandbox.query import Lookup
from botauth_sandbox.users import timestamp

MAX_WEIGHTED_LENGTH = 280
DUPLICATE_WINDOW = timedelta(hours=24)
# X's own words (answers quoted in client issues), except QUOTE_GONE, which mirrors REPLY_GONE.
TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines text length "
    "see https://github.com/twitter/twitter-text."
)
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
REPLY_GONE = "You attempted to reply to a Tweet that is deleted or not visible to you."
QUOTE_GONE = "You attempted to quote a Tweet that is deleted or not visible to you."
NOT_YOURS = "You are not allowed to delete a Tweet you did not author."

# twitter-text v3: these code points weigh 1, all others 2; a URL weighs 23 whatever its length.
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_URL_WEIGHT = 23


def weighted_length(text: str) -> int:
    """The length X counts against 280, after twitter-text v3 (emoji sequences count per code
    point here, so a joined emoji may count more than X counts it)."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for url in _URL.finditer(text):
        total += _weight(text[position : url.start()]) + _URL_WEIGHT
        position = url.end()
    return total + _weight(text[position:])


def create(*, author: SandboxUser, body: dict[str, Any]) -> Post:
    """Validate a CreatePostsRequest as X does and store the post."""
    if found := schema.errors(schema.CREATE_POSTS_REQUEST, body):
        raise problems.invalid_request(*({"message": message} for message in found))
    if "edit_options" in body:
        raise problems.generic(501, "The sandbox does not implement editing a post (edit_options).")
    text = body.get("text", "")
    media_ids = body.get("media", {}).get("media_ids", [])
    if not text and not media_ids:
        raise problems.invalid_request(
            {"message": "$.text: is missing but it is required unless media is provided"}
        )
    if weighted_length(text) > MAX_WEIGHTED_LENGTH:
        raise problems.invalid_parameter("text", text, TOO_LONG)
    if media_ids:
        media.usable(user=author, media_ids=media_ids)
    reply_to = body.get("reply", {}).get("in_reply_to_tweet_id", "")
    if reply_to and not Post.objects.filter(post_id=reply_to).exists():
        raise problems.forbidden(REPLY_GONE)
    quote_of = body.get("quote_tweet_id", "")
    if quote_of and not Post.objects.filter(post_id=quote_of).exists():
        raise problems.forbidden(QUOTE_GONE)
    with transaction.atomic():
        # One post at a time per author, so two identical posts cannot both pass the check.
        SandboxUser.objects.select_for_update().filter(pk=author.pk).first()
        recent = author.posts.filter(created_at__gte=timezone.now() - DUPLICATE_WINDOW)
        if text and recent.filter(text=text).exists():
            raise problems.forbidden(DUPLICATE)
        return Post.objects.create(
            author=author,
            text=text,
            media_ids=media_ids,
            in_reply_to_id=reply_to,
            quote_of_id=quote_of,
        )


def delete(*, author: SandboxUser, post_id: str) -> None:
    post = Post.objects.filter(post_id=post_id).first()
    if post is None:
        raise problems.Problem(404, {**not_found(post_id), "status": 404})
    if post.author_id != author.pk:
        raise problems.forbidden(NOT_YOURS)
    post.delete()


def not_found(post_id: str) -> dict[str, Any]:
    return problems.not_found_error(
        resource_type="tweet",
        parameter="id",
        value=post_id,
        detail=f"Could not find tweet with id: [{post_id}].",
    )


def find(post_id: str) -> Post | None:
    if not post_id:
        return None
    return Post.objects.select_related("author").filter(post_id=post_id).first()


def data(post: Post, lookup: Lookup) -> dict[str, Any]:
    """X's Post object: id, text and the edit history always, other fields when asked for."""
    found: dict[str, Any] = {"id": post.post_id, "text": post.text}
    found[lookup.spelled("edit_history_tweet_ids")] = [post.post_id]
    asked = lookup.post_fields
    if "author_id" in asked:
        found["author_id"] = post.author.user_id
    if "created_at" in asked:
        found["created_at"] = _timestamp(post)
    if "conversation_id" in asked:
        found["conversation_id"] = conversation_id(post)
    if "in_reply_to_user_id" in asked and (parent := find(post.in_reply_to_id)):
        found["in_reply_to_user_id"] = parent.author.user_id
    if asked & {"referenced_tweets", "referenced_posts"} and (refs := references(post)):
        found[lookup.spelled("referenced_tweets")] = refs
    if "attachments" in asked and post.media_ids:
        found["attachments"] = {"media_keys": [media.media_key(m) for m in attached(post)]}
    if "public_metrics" in asked:
        found["public_metrics"] = _metrics(post)
    if "edit_controls" in asked:
        found["edit_controls"] = {
            "edits_remaining": 5,
            "is_edit_eligible": False,
            "editable_until": _timestamp(post, after=timedelta(hours=1)),
        }
    if "display_text_range" in asked:
        found["display_text_range"] = [0, len(post.text)]
    simple = {"lang": "und", "possibly_sensitive": False, "reply_settings": "everyone"}
    for name in sorted(asked & set(simple)):
        found[name] = simple[name]
    return found


def references(post: Post) -> list[dict[str, str]]:
    refs = []
    if post.in_reply_to_id:
        refs.append({"type": "replied_to", "id": post.in_reply_to_id})
    if post.quote_of_id:
        refs.append({"type": "quoted", "id": post.quote_of_id})
    return refs


def attached(post: Post) -> list[Media]:
    rows = {m.media_id: m for m in Media.objects.filter(media_id__in=post.media_ids)}
    return [rows[media_id] for media_id in post.media_ids if media_id in rows]


def conversation_id(post: Post) -> str:
    root = post
    for _ in range(50):  # a reply chain is a tree, but a bound costs nothing
        parent = find(root.in_reply_to_id)
        if parent is None:
            break
        root = parent
    # A reply whose parent was deleted still belongs to the parent's conversation.
    return root.in_reply_to_id or root.post_id


def _metrics(post: Post) -> dict[str, int]:
    replies = Post.objects.filter(in_reply_to_id=post.post_id).count()
    quotes = Post.objects.filter(quote_of_id=post.post_id).count()
    # Spec 2.167 requires repost_count; tweepy and X's recorded answers name it retweet_count.
    return {
        "retweet_count": 0,
        "repost_count": 0,
        "reply_count": replies,
        "like_count": 0,
        "quote_count": quotes,
        "bookmark_count": 0,
        "impression_count": 0,
    }


def _timestamp(post: Post, *, after: timedelta = timedelta()) -> str:
    return timestamp(post.created_at + after)


def _weight(chunk: str) -> int:
    return sum(1 if any(low <= ord(ch) <= high for low, high in _LIGHT) else 2 for ch in chunk)
