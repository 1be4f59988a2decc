"""X's per-user, per-app request windows, counted in the database so every process agrees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from botauth_sandbox import conf
from botauth_sandbox.models import RateLimitWindow, UserCredential

WINDOW = timedelta(minutes=15)

# Resource names, stored in RateLimitWindow.resource. The first two predate the others and keep
# their names so stored windows stay valid.
USERS_ME = "2/users/me"
VERIFY_CREDENTIALS = "1.1/account/verify_credentials"
USERS_BY_ID = "GET 2/users/:id"
USERS_BY_USERNAME = "GET 2/users/by/username/:username"
POSTS_CREATE = "POST 2/tweets"
POSTS_DELETE = "DELETE 2/tweets/:id"
POSTS_BY_ID = "GET 2/tweets/:id"
MEDIA_UPLOAD = "POST 2/media/upload"
MEDIA_INITIALIZE = "POST 2/media/upload/initialize"
MEDIA_APPEND = "POST 2/media/upload/:id/append"
MEDIA_FINALIZE = "POST 2/media/upload/:id/finalize"
MEDIA_STATUS = "GET 2/media/upload"

# Requests per user per 15 minutes, from X's rate-limit table (../shared/x-api/ENDPOINTS.md).
LIMITS = {
    USERS_ME: 75,
    VERIFY_CREDENTIALS: 75,
    USERS_BY_ID: 900,
    USERS_BY_USERNAME: 900,
    POSTS_CREATE: 100,
    POSTS_DELETE: 50,
    POSTS_BY_ID: 900,
    MEDIA_UPLOAD: 500,
    MEDIA_INITIALIZE: 1875,
    MEDIA_APPEND: 1875,
    MEDIA_FINALIZE: 1875,
    MEDIA_STATUS: 1000,
}
# The limit of /2/users/me, kept under its old name.
LIMIT = LIMITS[USERS_ME]


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


def limit_for(resource: str) -> int:
    return LIMITS.get(resource, LIMIT)


def take(*, token: UserCredential, resource: str) -> Quota:
    """Count one request by token's user and app against resource's window."""
    limit = limit_for(resource)
    now = timezone.now()
    if token.user.rate_limited:
        return Quota(limit=limit, remaining=0, reset=_unix(now + WINDOW), allowed=False)
    if not conf.enforce_rate_limits():
        # Nothing is counted, so benchmarks do not serialize on the window's row.
        return Quota(limit=limit, remaining=limit - 1, reset=_unix(now + WINDOW), allowed=True)
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
        allowed = window.used < limit
        if allowed:
            window.used += 1
        window.save(update_fields=["resets_at", "used"])
    return Quota(
        limit=limit,
        remaining=max(limit - window.used, 0),
        reset=_unix(window.resets_at),
        allowed=allowed,
    )


def peek(*, token: UserCredential, resource: str) -> Quota:
    """The window as it stands, for answers that X gives without counting the request."""
    limit = limit_for(resource)
    now = timezone.now()
    window = RateLimitWindow.objects.filter(
        app_id=token.app_id, user_id=token.user_id, resource=resource, resets_at__gt=now
    ).first()
    used = window.used if window and conf.enforce_rate_limits() else 0
    if token.user.rate_limited:
        used = limit
    reset = window.resets_at if window else now + WINDOW
    return Quota(
        limit=limit, remaining=max(limit - used, 0), reset=_unix(reset), allowed=used < limit
    )


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())
