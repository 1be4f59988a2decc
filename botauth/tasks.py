"""Bulk refresh and verification as Django tasks, for projects that run a task queue.

Django 6's ``django.tasks`` defines the tasks; a worker of whatever backend the project
configures runs them. Several workers may run them at once: each OAuth 2.0 account is claimed
with SELECT ... FOR UPDATE SKIP LOCKED while it is refreshed, so workers share the accounts and
none is refreshed twice. Cron and the commands stay the default; on Django 5.2 the plain
functions below are there, the tasks are not.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from botauth import conf, keepalive
from botauth.management.commands.verify_bot_tokens import select_accounts
from botauth.models import BotAccount
from botauth.verification import verify_accounts

try:
    from django.tasks import task
except ImportError:  # Django 5.2
    task = None  # type: ignore[assignment]


def refresh_due_tokens(*, expiring_within: float | None = None) -> dict[str, int]:
    """Refresh OAuth 2.0 tokens expiring within `expiring_within` seconds (default: the margin).

    Returns how many accounts ended each way (refreshed, fresh, relink, error).
    """
    within = timedelta(seconds=expiring_within) if expiring_within else conf.oauth2_refresh_margin()
    return dict(keepalive.refresh_shared(BotAccount.objects.linked(), within=within))


def verify_stale_tokens(*, stale_after: float | None = None) -> dict[str, int]:
    """Check linked accounts not verified within `stale_after` seconds (default: all of them).

    Returns how many accounts ended each way (valid, invalid, ...).
    """
    stale = timedelta(seconds=stale_after) if stale_after else None
    queryset = select_accounts(names=[], stale_after=stale)
    return dict(verify_accounts(queryset, concurrency=conf.verify_concurrency()))


if task is not None:

    @task
    def refresh_bot_tokens(expiring_within: float | None = None) -> dict[str, Any]:
        return refresh_due_tokens(expiring_within=expiring_within)

    @task
    def verify_bot_tokens(stale_after: float | None = None) -> dict[str, Any]:
        return verify_stale_tokens(stale_after=stale_after)
