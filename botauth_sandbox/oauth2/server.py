"""oauthlib's OAuth 2.0 server over the sandbox's tables, answering in X's shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from django.db import transaction
from oauthlib.common import Request
from oauthlib.oauth2 import BearerToken, WebApplicationServer

from botauth_sandbox.oauth2 import conf, scopes, tokens
from botauth_sandbox.oauth2.validator import Refusal, SandboxOAuth2Validator

# X's own answers (X_FACTS.md, and the bodies client authors quote from X).
INVALID_CODE = {
    "error": "invalid_request",
    "error_description": "Value passed for the authorization code was invalid.",
}
INVALID_TOKEN = {
    "error": "invalid_request",
    "error_description": "Value passed for the token was invalid.",
}
MISSING_AUTHORIZATION = {
    "error": "unauthorized_client",
    "error_description": "Missing valid authorization header",
}
# Inferred: X's body for an unknown Client ID is not on record; this is RFC 6749 5.2's.
UNKNOWN_CLIENT = {"error": "invalid_client", "error_description": "Client authentication failed."}
REQUIRED = {
    "authorization_code": ("code", "redirect_uri", "code_verifier"),
    "refresh_token": ("refresh_token",),
}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=lambda: dict(NO_STORE))


def oauth2_server(validator: SandboxOAuth2Validator) -> WebApplicationServer:
    server = WebApplicationServer(
        validator,
        token_generator=lambda request: tokens.new_value("at"),
        refresh_token_generator=lambda request: tokens.new_value("rt"),
        token_expires_in=lambda request: int(conf.access_token_ttl().total_seconds()),
    )
    server.auth_grant.register_code_modifier(_x_shaped_code)
    server.auth_grant.register_token_modifier(_refresh_only_offline)
    server.refresh_grant.register_token_modifier(_refresh_only_offline)
    return server


def issue_token(*, uri: str, body: str, headers: dict[str, str]) -> Answer:
    """POST /2/oauth2/token: exchange a code, or rotate a refresh token."""
    params = dict(parse_qsl(body))
    grant_type = params.get("grant_type", "")
    if not grant_type:
        return _missing("grant_type")
    if grant_type not in REQUIRED:
        return Answer(
            400,
            {
                "error": "unsupported_grant_type",
                "error_description": "Value passed for the grant_type was invalid.",
            },
        )
    for name in REQUIRED[grant_type]:
        if not params.get(name):
            return _missing(name)
    validator = SandboxOAuth2Validator()
    with transaction.atomic():
        _, raw, status = oauth2_server(validator).create_token_response(
            uri, http_method="POST", body=body, headers=headers
        )
        if status != 200:
            # A refused exchange changes nothing: the code or refresh token it consumed lives on.
            transaction.set_rollback(True)
    answer = json.loads(raw)
    if status == 200:
        return Answer(200, _x_token(answer))
    refused = _client_refusal(validator)
    if refused is not None:
        return refused
    if grant_type == "refresh_token" and answer.get("error") == "invalid_grant":
        return Answer(400, INVALID_TOKEN)
    if grant_type == "authorization_code" and (
        answer.get("error") == "invalid_grant" or validator.grant is not None
    ):
        return Answer(400, INVALID_CODE)
    return Answer(status, answer)


def revoke(*, uri: str, body: str, headers: dict[str, str]) -> Answer:
    """POST /2/oauth2/revoke: end the grant that the token (access or refresh) belongs to."""
    if not dict(parse_qsl(body)).get("token"):
        return _missing("token")
    validator = SandboxOAuth2Validator()
    with transaction.atomic():
        _, raw, status = oauth2_server(validator).create_revocation_response(
            uri, http_method="POST", body=body, headers=headers
        )
    if status == 200:
        # RFC 7009 2.2: an unknown or already revoked token is answered the same.
        return Answer(200, {"revoked": True})
    return _client_refusal(validator) or Answer(status, json.loads(raw))


def verify_bearer(
    *, uri: str, method: str, headers: dict[str, str], required: frozenset[str]
) -> SandboxOAuth2Validator:
    """Check the request's bearer token for `required` scopes; the validator says what it found."""
    validator = SandboxOAuth2Validator()
    oauth2_server(validator).verify_request(
        uri, http_method=method, headers=headers, scopes=sorted(required)
    )
    return validator


def _client_refusal(validator: SandboxOAuth2Validator) -> Answer | None:
    if validator.refusal is Refusal.NO_CLIENT:
        return _missing("client_id")
    if validator.refusal in (Refusal.MISSING_BASIC, Refusal.BAD_SECRET):
        return Answer(401, MISSING_AUTHORIZATION)
    if validator.refusal is Refusal.UNKNOWN_CLIENT:
        return Answer(401, UNKNOWN_CLIENT)
    return None


def _missing(name: str) -> Answer:
    # X's words for it, as client authors quote them: "Missing required parameter [client_id]."
    return Answer(
        400,
        {"error": "invalid_request", "error_description": f"Missing required parameter [{name}]."},
    )


def _x_token(token: dict[str, Any]) -> dict[str, Any]:
    # RFC 6749 5.1 in X's order and case: token_type "bearer", not oauthlib's "Bearer".
    answer = {
        "token_type": "bearer",
        "expires_in": token["expires_in"],
        "access_token": token["access_token"],
        "scope": token["scope"],
    }
    if "refresh_token" in token:
        answer["refresh_token"] = token["refresh_token"]
    return answer


def _x_shaped_code(
    grant: dict[str, str], token_handler: BearerToken, request: Request
) -> dict[str, str]:
    return {**grant, "code": tokens.new_value("ac")}


def _refresh_only_offline(
    token: dict[str, Any], token_handler: BearerToken, request: Request
) -> dict[str, Any]:
    # X issues a refresh token only when offline.access was granted.
    if scopes.OFFLINE_ACCESS not in (request.scopes or ()):
        token.pop("refresh_token", None)
    return token
