"""API calls made with an OAuth 2.0 user token: which token, and whether its scopes suffice."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from botauth_sandbox.models import OAuth2Token
from botauth_sandbox.oauth2 import scopes
from botauth_sandbox.oauth2.server import verify_bearer
from botauth_sandbox.oauth2.validator import Refusal


@dataclass(frozen=True)
class Verdict:
    token: OAuth2Token | None
    insufficient_scope: bool = False


def required_scopes(request: HttpRequest) -> frozenset[str] | None:
    """What X requires of an OAuth 2.0 user token on this endpoint; None if it takes none."""
    return scopes.required(method=request.method or "GET", path=request.path_info)


def verify(request: HttpRequest, *, required: frozenset[str]) -> Verdict | None:
    """The OAuth 2.0 user token the request bears, or None if it bears none the sandbox issued.

    None leaves the request to the other kinds of authentication: an app-only Bearer token, or
    OAuth 1.0a. A token the sandbox issued but that is expired or revoked is refused here.
    """
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    found = verify_bearer(
        uri=request.build_absolute_uri(),
        method=request.method or "GET",
        headers=dict(request.headers),
        required=required,
    )
    if found.refusal is Refusal.UNKNOWN_TOKEN:
        return None
    if found.refusal is Refusal.INSUFFICIENT_SCOPE:
        return Verdict(token=None, insufficient_scope=True)
    return Verdict(token=found.token)
