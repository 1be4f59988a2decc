"""Who may call a user-context API endpoint, in the order X checks it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from django.http import HttpRequest

from botauth_sandbox import conf, ratelimit
from botauth_sandbox.models import AccessLevel, AccessToken, SandboxUser
from botauth_sandbox.provider import Credentials, credentials, signed, verify_resource_request


class Refusal(Enum):
    NO_AUTH = "no_auth"
    STALE_TIMESTAMP = "stale_timestamp"
    BAD_SIGNATURE = "bad_signature"
    BAD_TOKEN = "bad_token"
    APP_ONLY = "app_only"
    SUSPENDED = "suspended"
    READ_ONLY = "read_only"
    RATE_LIMITED = "rate_limited"


class Refused(Exception):
    def __init__(
        self,
        reason: Refusal,
        quota: ratelimit.Quota | None = None,
        token: AccessToken | None = None,
    ) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.quota = quota
        self.token = token

    def headers(self) -> dict[str, str]:
        # X sends no rate-limit headers until it knows who is calling.
        found: dict[str, str] = {}
        if self.token is not None:
            found["x-access-level"] = self.token.user.access_level
        if self.quota is not None:
            found.update(self.quota.headers())
        return found


@dataclass(frozen=True)
class Call:
    token: AccessToken
    quota: ratelimit.Quota

    @property
    def user(self) -> SandboxUser:
        return self.token.user

    def headers(self) -> dict[str, str]:
        return {"x-access-level": self.token.user.access_level, **self.quota.headers()}


def authenticate(request: HttpRequest) -> AccessToken:
    call = signed(request)
    found = credentials(call)
    if found is Credentials.MISSING:
        raise Refused(Refusal.NO_AUTH)
    if found is Credentials.STALE:
        raise Refused(Refusal.STALE_TIMESTAMP)
    verdict = verify_resource_request(call)
    if verdict.access_token is None:
        raise Refused(Refusal.BAD_TOKEN if verdict.bad_token else Refusal.BAD_SIGNATURE)
    return verdict.access_token


def is_bearer(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "")[:7].lower() == "bearer "


def admit(request: HttpRequest, *, resource: str, write: bool = False) -> Call:
    """Authenticate a user-context call and count it against the user's window.

    `write` calls (posting, deleting, uploading) need an access level above `read`.
    """
    if is_bearer(request):
        # The sandbox issues no OAuth 2.0 tokens, so any Bearer is an app-only one to it.
        raise Refused(Refusal.APP_ONLY)
    token = authenticate(request)
    if token.user.suspended:
        raise Refused(Refusal.SUSPENDED, ratelimit.peek(token=token, resource=resource), token)
    if write and token.user.access_level == AccessLevel.READ:
        raise Refused(Refusal.READ_ONLY, ratelimit.peek(token=token, resource=resource), token)
    quota = ratelimit.take(token=token, resource=resource)
    if not quota.allowed:
        raise Refused(Refusal.RATE_LIMITED, quota, token)
    if latency := conf.api_latency_seconds():
        time.sleep(latency)
    return Call(token=token, quota=quota)


def revoke(request: HttpRequest) -> AccessToken:
    token = authenticate(request)
    AccessToken.objects.filter(pk=token.pk).update(revoked=True)
    return token
