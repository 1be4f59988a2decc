"""X's per-user, per-app request windows, counted in the database so every process agrees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from botauth_sandbox import conf
from botauth_sandbox.models import RateLimitWindow, UserCredential

LIMIT = 75
WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int
    allowed: bool

    def headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining),
            "x-rate-limit-reset": str(self.reset),
        }


def take(*, token: UserCredential, resource: str) -> Quota:
    """Count one request by token's user and app against resource's window."""
    now = timezone.now()
    if token.user.rate_limited:
        return Quota(limit=LIMIT, remaining=0, reset=_unix(now + WINDOW), allowed=False)
    if not conf.enforce_rate_limits():
        # Nothing is counted, so benchmarks do not serialize on the window's row.
        return Quota(limit=LIMIT, remaining=LIMIT - 1, reset=_unix(now + WINDOW), allowed=True)
    with transaction.atomic():
        window, _ = RateLimitWindow.objects.select_for_update().get_or_create(
            app_id=token.app_id,
            user_id=token.user_id,
            resource=resource,
            defaults={"resets_at": now + WINDOW},
        )
        if window.resets_at <= now:
            window.resets_at = now + WINDOW
            window.used = 0
        allowed = window.used < LIMIT
        if allowed:
            window.used += 1
        window.save(update_fields=["resets_at", "used"])
    return Quota(
        limit=LIMIT,
        remaining=LIMIT - window.used,
        reset=_unix(window.resets_at),
        allowed=allowed,
    )


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())
