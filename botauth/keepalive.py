"""OAuth 2.0 tokens refreshed ahead of time, many accounts at once: the command and the tasks.

A bot idle for weeks keeps a live refresh token only if something refreshes it; a bot about to
post does not wait for X when its token was refreshed already. Each account goes through
refresh.ensure_fresh, so a worker that finds it refreshed by another reports it fresh.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from botauth import refresh
from botauth.exceptions import (
    BotauthError,
    NotLinkedError,
    ReauthorizationRequiredError,
    XError,
)
from botauth.models import BotAccount

REFRESHED = "refreshed"
FRESH = "fresh"
SKIPPED = "skipped"
RELINK = "relink"
ERROR = "error"
# Results that make the command exit 1.
FAILED = frozenset({RELINK, ERROR})
# Marked, not translated here: the JSON array keeps it in English, the table translates it.
OAUTH1_DETAIL = gettext_noop("OAuth 1.0a: its token does not expire")
LIST_FIELDS = ("pk", "name", "protocol", "token_expires_at")


@dataclass(frozen=True)
class Outcome:
    name: str
    protocol: str
    result: str
    expires_at: datetime | None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        expires = self.expires_at
        return {
            "name": self.name,
            "protocol": self.protocol,
            "result": self.result,
            "expires_at": expires.isoformat() if expires else None,
            "detail": self.detail,
        }


def refresh_one(account: BotAccount, *, within: timedelta) -> Outcome:
    """Refresh the account's token if it expires within `within`; say what happened."""
    protocol = account.protocol or BotAccount.Protocol.OAUTH1
    if protocol != BotAccount.Protocol.OAUTH2:
        return Outcome(account.name, protocol, SKIPPED, None, OAUTH1_DETAIL)
    if not refresh.is_due(account, margin=within):
        return Outcome(account.name, protocol, FRESH, account.token_expires_at)
    try:
        current = refresh.ensure_fresh(pk=account.pk, held="", margin=within)
    except ReauthorizationRequiredError as err:
        return Outcome(account.name, protocol, RELINK, account.token_expires_at, str(err))
    except (NotLinkedError, XError) as err:
        return Outcome(account.name, protocol, ERROR, account.token_expires_at, str(err))
    result = REFRESHED if current.refreshed else FRESH
    return Outcome(account.name, protocol, result, current.expires_at)


def refresh_accounts(
    accounts: Iterable[BotAccount],
    *,
    within: timedelta,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> Counter[str]:
    counts: Counter[str] = Counter()
    for account in accounts:
        outcome = refresh_one(account, within=within)
        counts[outcome.result] += 1
        on_outcome(outcome)
    return counts


def refresh_shared(
    queryset: QuerySet[BotAccount],
    *,
    within: timedelta,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> Counter[str]:
    """Refresh the due accounts of `queryset` alongside other workers doing the same.

    Each account is claimed with SKIP LOCKED (refresh.refresh_next), so workers split the list
    and none refreshes an account twice; each worker tries an account once per call. Without
    SKIP LOCKED (SQLite: one machine) it goes through the list like the command.
    """
    if not connections[queryset.db].features.has_select_for_update_skip_locked:
        due_now = due(queryset, before=due_before(within))
        return refresh_accounts(listed(due_now), within=within, on_outcome=on_outcome)
    counts: Counter[str] = Counter()
    tried: list[int] = []
    while True:
        candidates = due(queryset, before=due_before(within)).exclude(pk__in=tried)
        found = refresh.refresh_next(candidates, margin=within)
        if found is None:
            return counts
        account, current = found
        tried.append(account.pk)
        if isinstance(current, ReauthorizationRequiredError):
            outcome = Outcome(account.name, account.protocol, RELINK, None, str(current))
        elif isinstance(current, BotauthError):
            outcome = Outcome(account.name, account.protocol, ERROR, None, str(current))
        else:
            result = REFRESHED if current.refreshed else FRESH
            outcome = Outcome(account.name, account.protocol, result, current.expires_at)
        counts[outcome.result] += 1
        on_outcome(outcome)


def listed(queryset: QuerySet[BotAccount]) -> Iterable[BotAccount]:
    """The accounts to go through, a few fields each, without decrypting any token."""
    return queryset.defer(None).only(*LIST_FIELDS).order_by("pk").iterator(chunk_size=500)


def due(queryset: QuerySet[BotAccount], *, before: datetime) -> QuerySet[BotAccount]:
    """OAuth 2.0 accounts whose access token expires before `before`, soonest first."""
    return queryset.filter(
        protocol=BotAccount.Protocol.OAUTH2, token_expires_at__lt=before
    ).order_by("token_expires_at", "pk")


def due_before(within: timedelta) -> datetime:
    return timezone.now() + within
