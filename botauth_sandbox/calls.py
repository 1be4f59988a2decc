"""Who may call a user-context API endpoint, in the order X checks it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from django.http import HttpRequest

from botauth_sandbox import conf, ratelimit
from botauth_sandbox.models import AccessToken, OAuth2Token, UserCredential
from botauth_sandbox.oauth2 import bearer
from botauth_sandbox.provider import signed, verify_resource_request


class Refusal(Enum):
    BAD_SIGNATURE = "bad_signature"
    BAD_TOKEN = "bad_token"
    SUSPENDED = "suspended"
    RATE_LIMITED = "rate_limited"
    INSUFFICIENT_SCOPE = "insufficient_scope"


class Refused(Exception):
    def __init__(self, reason: Refusal, quota: ratelimit.Quota | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.quota = quota


@dataclass(frozen=True)
class Call:
    token: UserCredential
    quota: ratelimit.Quota

    @property
    def scopes(self) -> frozenset[str] | None:
        """The OAuth 2.0 scopes granted; None for an OAuth 1.0a call (its app's access level)."""
        return self.token.scope_set if isinstance(self.token, OAuth2Token) else None

    def headers(self) -> dict[str, str]:
        # x-access-level is an OAuth 1.0a app permission; an OAuth 2.0 token has scopes instead.
        if isinstance(self.token, OAuth2Token):
            return self.quota.headers()
        return {"x-access-level": self.token.user.access_level, **self.quota.headers()}


def authenticate(request: HttpRequest, *, scopes: frozenset[str] | None = None) -> UserCredential:
    """The credential a call is made with; an OAuth 2.0 user token only where `scopes` are given."""
    if scopes is not None and (verdict := bearer.verify(request, required=scopes)) is not None:
        if verdict.token is None:
            raise Refused(
                Refusal.INSUFFICIENT_SCOPE if verdict.insufficient_scope else Refusal.BAD_TOKEN
            )
        return verdict.token
    return _oauth1(request)


def _oauth1(request: HttpRequest) -> AccessToken:
    verdict = verify_resource_request(signed(request))
    if verdict.access_token is None:
        raise Refused(Refusal.BAD_TOKEN if verdict.bad_token else Refusal.BAD_SIGNATURE)
    return verdict.access_token


def admit(request: HttpRequest, *, resource: str, scopes: frozenset[str] | None = None) -> Call:
    """Authenticate a user-context call and count it against the user's window.

    An OAuth 2.0 user token must hold `scopes`, by default those X's spec requires of this
    method and path (`oauth2/scopes.py`); where it requires none, only OAuth 1.0a is accepted.
    """
    token = authenticate(
        request, scopes=scopes if scopes is not None else bearer.required_scopes(request)
    )
    if token.user.suspended:
        raise Refused(Refusal.SUSPENDED)
    quota = ratelimit.take(token=token, resource=resource)
    if not quota.allowed:
        raise Refused(Refusal.RATE_LIMITED, quota)
    if latency := conf.api_latency_seconds():
        time.sleep(latency)
    return Call(token=token, quota=quota)


def revoke(request: HttpRequest) -> AccessToken:
    token = _oauth1(request)
    AccessToken.objects.filter(pk=token.pk).update(revoked=True)
    return token
