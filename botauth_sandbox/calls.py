"""Who may call a user-context API endpoint, in the order X checks it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from django.http import HttpRequest

from botauth_sandbox import conf, ratelimit
from botauth_sandbox.models import AccessToken
from botauth_sandbox.provider import signed, verify_resource_request


class Refusal(Enum):
    BAD_SIGNATURE = "bad_signature"
    BAD_TOKEN = "bad_token"
    SUSPENDED = "suspended"
    RATE_LIMITED = "rate_limited"


class Refused(Exception):
    def __init__(self, reason: Refusal, quota: ratelimit.Quota | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.quota = quota


@dataclass(frozen=True)
class Call:
    token: AccessToken
    quota: ratelimit.Quota

    def headers(self) -> dict[str, str]:
        return {"x-access-level": self.token.user.access_level, **self.quota.headers()}


def authenticate(request: HttpRequest) -> AccessToken:
    verdict = verify_resource_request(signed(request))
    if verdict.access_token is None:
        raise Refused(Refusal.BAD_TOKEN if verdict.bad_token else Refusal.BAD_SIGNATURE)
    return verdict.access_token


def admit(request: HttpRequest, *, resource: str) -> Call:
    """Authenticate a user-context call and count it against the user's window."""
    token = authenticate(request)
    if token.user.suspended:
        raise Refused(Refusal.SUSPENDED)
    quota = ratelimit.take(token=token, resource=resource)
    if not quota.allowed:
        raise Refused(Refusal.RATE_LIMITED, quota)
    if latency := conf.api_latency_seconds():
        time.sleep(latency)
    return Call(token=token, quota=quota)


def revoke(request: HttpRequest) -> AccessToken:
    token = authenticate(request)
    AccessToken.objects.filter(pk=token.pk).update(revoked=True)
    return token
