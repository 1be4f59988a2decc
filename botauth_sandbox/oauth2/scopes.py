"""X's OAuth 2.0 scopes, and which of them each v2 endpoint the sandbox serves requires."""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# components.securitySchemes.OAuth2UserToken of X's spec 2.167: all 24 scopes X grants.
X_SCOPES = frozenset(
    {
        "block.read",
        "block.write",
        "bookmark.read",
        "bookmark.write",
        "broadcast.read",
        "broadcast.write",
        "dm.read",
        "dm.write",
        "follows.read",
        "follows.write",
        "like.read",
        "like.write",
        "list.read",
        "list.write",
        "media.write",
        "mute.read",
        "mute.write",
        "offline.access",
        "space.read",
        "timeline.read",
        "tweet.moderate.write",
        "tweet.read",
        "tweet.write",
        "users.read",
    }
)
OFFLINE_ACCESS = "offline.access"

READ = frozenset({"tweet.read", "users.read"})
WRITE = frozenset({"tweet.read", "tweet.write", "users.read"})
MEDIA = frozenset({"media.write"})

# (method, path under the sandbox's mount, scopes): the `security` of each operation in X's spec.
# A v2 endpoint missing here accepts no OAuth 2.0 user token (tests/sandbox checks the URLconf).
ENDPOINTS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("GET", "2/users/me", READ),
    ("GET", "2/users/{id}", READ),
    ("GET", "2/users/by/username/{username}", READ),
    ("GET", "2/tweets", READ),
    ("GET", "2/tweets/{id}", READ),
    ("POST", "2/tweets", WRITE),
    ("DELETE", "2/tweets/{id}", WRITE),
    ("GET", "2/media/upload", MEDIA),
    ("POST", "2/media/upload", MEDIA),
    ("POST", "2/media/upload/initialize", MEDIA),
    ("POST", "2/media/upload/{id}/append", MEDIA),
    ("POST", "2/media/upload/{id}/finalize", MEDIA),
    ("POST", "2/media/metadata", MEDIA),
    ("POST", "2/media/subtitles", MEDIA),
    ("DELETE", "2/media/subtitles", MEDIA),
)


def _pattern(template: str) -> re.Pattern[str]:
    path = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template))
    return re.compile(rf"(?:^|/){path}/?$")


_COMPILED = tuple((method, _pattern(path), scopes) for method, path, scopes in ENDPOINTS)


def required(*, method: str, path: str) -> frozenset[str] | None:
    """The scopes X requires of an OAuth 2.0 user token here; None where it accepts none."""
    for allowed_method, pattern, scopes in _COMPILED:
        if allowed_method == method.upper() and pattern.search(path):
            return scopes
    return None


# What the consent screen says a scope lets the app do (paraphrasing X's consent screen).
DESCRIPTIONS: dict[str, Promise] = {
    "tweet.read": _("See posts you can see, including those of protected accounts."),
    "tweet.write": _("Post and repost for you."),
    "users.read": _("See any account you can see, including protected accounts."),
    "media.write": _("Upload media."),
    "offline.access": _("Stay connected to your account until you revoke access."),
}
