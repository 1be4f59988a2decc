"""The bodies of X's user and post lookups: `data`, and the `includes` expansions ask for."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from botauth_sandbox import media, posts, users
from botauth_sandbox.models import Post, SandboxUser
from botauth_sandbox.query import Lookup

# An expansion shows the field it expands in `data` too, as X does.
_EXPANDED_FIELDS = {
    "author_id": "author_id",
    "in_reply_to_user_id": "in_reply_to_user_id",
    "attachments.media_keys": "attachments",
    "referenced_tweets.id": "referenced_tweets",
    "referenced_tweets.id.author_id": "referenced_tweets",
    "referenced_posts": "referenced_tweets",
    "referenced_posts.id": "referenced_tweets",
}


def user(found: SandboxUser, lookup: Lookup) -> dict[str, Any]:
    body: dict[str, Any] = {"data": users.data(found, lookup)}
    wanted = {"most_recent_tweet_id", "most_recent_post_id"}
    if lookup.expansions & wanted and (latest := users.latest_post(found)) is not None:
        body["includes"] = {lookup.spelled("tweets"): [posts.data(latest, lookup)]}
    return body


def post(found: Post, lookup: Lookup) -> dict[str, Any]:
    expansions = lookup.expansions
    implied = frozenset(_EXPANDED_FIELDS[e] for e in expansions if e in _EXPANDED_FIELDS)
    if implied:
        fields = {**lookup.fields, "tweet.fields": lookup.of("tweet.fields") | implied}
        lookup = replace(lookup, fields=fields)
    body: dict[str, Any] = {"data": posts.data(found, lookup)}
    includes: dict[str, list[dict[str, Any]]] = {}
    referenced = [
        p
        for p in (posts.find(found.in_reply_to_id), posts.find(found.quote_of_id))
        if p is not None
    ]
    people: list[SandboxUser] = []
    if "author_id" in expansions:
        people.append(found.author)
    if "in_reply_to_user_id" in expansions and found.in_reply_to_id:
        people += [p.author for p in referenced if p.post_id == found.in_reply_to_id]
    if "referenced_tweets.id.author_id" in expansions:
        people += [p.author for p in referenced]
    if people:
        unique = {person.pk: person for person in people}.values()
        includes["users"] = [users.data(person, lookup) for person in unique]
    wants_referenced = {"referenced_tweets.id", "referenced_posts", "referenced_posts.id"}
    if expansions & wants_referenced and referenced:
        includes[lookup.spelled("tweets")] = [posts.data(p, lookup) for p in referenced]
    if "attachments.media_keys" in expansions and found.media_ids:
        includes["media"] = [media.media_object(m) for m in posts.attached(found)]
    if includes:
        body["includes"] = includes
    return body
