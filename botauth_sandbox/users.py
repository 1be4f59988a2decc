"""Sandbox users as X's v2 User object, with the fields and expansions a request asks for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botauth_sandbox.models import Post, SandboxUser
from botauth_sandbox.query import Lookup

DEFAULT_PROFILE_IMAGE = (
    "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
)


def data(user: SandboxUser, lookup: Lookup) -> dict[str, Any]:
    """X's User object: id, name and username always, other fields only when asked for."""
    found: dict[str, Any] = {"id": user.user_id, "name": user.display_name}
    asked = lookup.user_fields
    values: dict[str, Any] = {
        "created_at": timestamp(user.created_at),
        "description": "",
        "profile_image_url": DEFAULT_PROFILE_IMAGE,
        "protected": False,
        "url": "",
        "verified": False,
        "verified_type": "none",
        "connection_status": [],
        "is_identity_verified": False,
        "parody": False,
        "receives_your_dm": False,
        "subscribes_to_you": False,
        "subscription": {"subscribes_to_you": False},
        "subscription_type": "None",
        "verified_followers_count": 0,
    }
    for name in sorted(asked & set(values)):
        found[name] = values[name]
    if "public_metrics" in asked:
        found["public_metrics"] = _metrics(user)
    found["username"] = user.username
    if wants_latest(lookup) and (latest := latest_post(user)) is not None:
        found[lookup.spelled("most_recent_tweet_id")] = latest.post_id
    return found


def timestamp(moment: datetime) -> str:
    """X's timestamps: ISO 8601 in UTC with milliseconds, e.g. 2018-12-10T22:03:43.000Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _metrics(user: SandboxUser) -> dict[str, int]:
    count = user.posts.count()
    # Spec 2.167 requires post_count; tweepy and X's recorded answers name it tweet_count.
    return {
        "followers_count": 0,
        "following_count": 0,
        "tweet_count": count,
        "post_count": count,
        "listed_count": 0,
        "like_count": 0,
        "media_count": user.posts.exclude(media_ids=[]).count(),
    }


def wants_latest(lookup: Lookup) -> bool:
    wanted = {"most_recent_tweet_id", "most_recent_post_id"}
    return bool((lookup.user_fields | lookup.expansions) & wanted)


def latest_post(user: SandboxUser) -> Post | None:
    return user.posts.order_by("-created_at", "-post_id").first()
