"""X's OAuth 2.0 scopes: what a bot needs them for, and what a set of them lacks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# X's scope names are dotted lower-case words (tweet.read, offline.access, tweet.moderate.write).
SCOPE_RE = re.compile(r"[a-z]+(?:\.[a-z]+)+")
OFFLINE_ACCESS = "offline.access"
# What each capability of a bot needs (X_FACTS.md; X's spec lists the scopes of each endpoint).
NEEDS: tuple[tuple[Promise, frozenset[str]], ...] = (
    (_("post"), frozenset({"tweet.read", "tweet.write", "users.read"})),
    (_("upload media"), frozenset({"media.write"})),
    (
        _("refresh its token, so it stops working 2 hours after linking"),
        frozenset({OFFLINE_ACCESS}),
    ),
)


@dataclass(frozen=True)
class Lack:
    cannot: str
    missing: tuple[str, ...]


def split(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value.split()))


def lacking(granted: Iterable[str]) -> list[Lack]:
    """What a bot holding these scopes cannot do, each with the scopes it would need."""
    have = set(granted)
    return [
        Lack(cannot=str(cannot), missing=tuple(sorted(needed - have)))
        for cannot, needed in NEEDS
        if not needed <= have
    ]


def describe(lacks: Iterable[Lack]) -> str:
    return "; ".join(
        gettext("without %(scopes)s it cannot %(cannot)s")
        % {"scopes": ", ".join(lack.missing), "cannot": lack.cannot}
        for lack in lacks
    )
