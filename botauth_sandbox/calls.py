"""Who may call a user-context API endpoint, in the order X checks it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from django.http import HttpRequest

from botauth_sandbox import conf, ratelimit
from botauth_sandbox.models import (
    AccessLevel,
    AccessToken,
    OAuth2Token,
    SandboxUser,
    UserCredential,
)
from botauth_sandbox.oauth2 import bearer
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
    INSUFFICIENT_SCOPE = "insufficient_scope"


class Refused(Exception):
    def __init__(
        self,
        reason: Refusal,
        quota: ratelimit.Quota | None = None,
        token: UserCredential | None = None,
    ) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.quota = quota
        self.token = token

    def headers(self) -> dict[str, str]:
        # X sends no rate-limit headers until it knows who is calling.
        found: dict[str, str] = {}
        if isinstance(self.token, AccessToken):
            found["x-access-level"] = self.token.user.access_level
        if self.quota is not None:
            found.update(self.quota.headers())
        return found


@dataclass(frozen=True)
class Call:
    token: UserCredential
    quota: ratelimit.Quota

    @property
    def scopes(self) -> frozenset[str] | None:
        """The OAuth 2.0 scopes granted; None for an OAuth 1.0a call (its app's access level)."""
        return self.token.scope_set if isinstance(self.token, OAuth2Token) else None

    @property
    def user(self) -> SandboxUser:
        return self.token.user

    def headers(self) -> dict[str, str]:
        # x-access-level is an OAuth 1.0a app permission; an OAuth 2.0 token has scopes instead.
        if isinstance(self.token, OAuth2Token):
            return self.quota.headers()
        return {"x-access-level": self.token.user.access_level, **self.quota.headers()}


def is_bearer(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "")[:7].lower() == "bearer "


def authenticate(request: HttpRequest, *, scopes: frozenset[str] | None = None) -> UserCredential:
    """The credential a call is made with; an OAuth 2.0 user token only where `scopes` are given."""
    if scopes is not None and (verdict := bearer.verify(request, required=scopes)) is not None:
        if verdict.token is None:
            raise Refused(
                Refusal.INSUFFICIENT_SCOPE if verdict.insufficient_scope else Refusal.BAD_TOKEN
            )
        return verdict.token
    if is_bearer(request):
        # Not a user token the sandbox issued (for this endpoint): an app-only Bearer to X.
        raise Refused(Refusal.APP_ONLY)
    return _oauth1(request)


def _oauth1(request: HttpRequest) -> AccessToken:
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


def admit(
    request: HttpRequest,
    *,
    resource: str,
    write: bool = False,
    scopes: frozenset[str] | None = None,
) -> Call:
    """Authenticate a user-context call and count it against the user's window.

    An OAuth 2.0 user token must hold `scopes`, by default those X's spec requires of this
    method and path (`oauth2/scopes.py`); where it requires none, only OAuth 1.0a is accepted.
    `write` calls (posting, deleting, uploading) made with OAuth 1.0a need an access level above
    `read` (an OAuth 2.0 token's scopes say what it may write).
    """
    token = authenticate(
        request, scopes=scopes if scopes is not None else bearer.required_scopes(request)
    )
    if token.user.suspended:
        raise Refused(Refusal.SUSPENDED, ratelimit.peek(token=token, resource=resource), token)
    oauth1 = isinstance(token, AccessToken)
    if write and oauth1 and token.user.access_level == AccessLevel.READ:
        raise Refused(Refusal.READ_ONLY, ratelimit.peek(token=token, resource=resource), token)
    quota = ratelimit.take(token=token, resource=resource)
    if not quota.allowed:
        raise Refused(Refusal.RATE_LIMITED, quota, token)
    if latency := conf.api_latency_seconds():
        time.sleep(latency)
    return Call(token=token, quota=quota)


def revoke(request: HttpRequest) -> AccessToken:
    token = _oauth1(request)
    AccessToken.objects.filter(pk=token.pk).update(revoked=True)
    return token
