"""oauthlib's provider endpoints, shaped to X's answers, and Django requests handed to them."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from oauthlib.common import Request, urlencode
from oauthlib.oauth1 import (
    AccessTokenEndpoint,
    AuthorizationEndpoint,
    RequestTokenEndpoint,
    ResourceEndpoint,
)
from oauthlib.oauth1.rfc5849 import errors, signature, utils

from botauth_sandbox.models import AccessToken, RequestToken, SandboxUser
from botauth_sandbox.validator import SandboxValidator

PIN_DIGITS = 7


@dataclass(frozen=True)
class Signed:
    """A request as oauthlib sees it: the URL really served, so signatures match it."""

    uri: str
    http_method: str
    body: str
    headers: dict[str, str]


@dataclass(frozen=True)
class EndpointResult:
    status: int
    body: str
    error: str


# oauthlib raises ValueError, not an OAuth1Error, for an Authorization header it cannot parse.
MALFORMED = EndpointResult(status=400, body="", error="malformed_request")


class CallbackNotApproved(errors.OAuth1Error):  # type: ignore[misc]
    error = "callback_not_approved"

    def __init__(self) -> None:
        super().__init__(status_code=403)


class TokenAlreadyUsed(errors.OAuth1Error):  # type: ignore[misc]
    error = "invalid_token"

    def __init__(self) -> None:
        super().__init__(status_code=401)


class XRequestTokenEndpoint(RequestTokenEndpoint):  # type: ignore[misc]
    def validate_request_token_request(self, request: Request) -> tuple[bool, Request]:
        valid, request = super().validate_request_token_request(request)
        log = request.validator_log
        if not valid and log.get("client") and log.get("signature") and not log.get("callback"):
            raise CallbackNotApproved
        return valid, request


class XAccessTokenEndpoint(AccessTokenEndpoint):  # type: ignore[misc]
    def create_access_token(self, request: Request, credentials: dict[str, str]) -> str:
        with transaction.atomic():
            consumed = RequestToken.objects.filter(
                token=request.resource_owner_key, app__key=request.client_key, used=False
            ).update(used=True)
            if not consumed:
                raise TokenAlreadyUsed
            row = RequestToken.objects.select_related("user").get(token=request.resource_owner_key)
            if row.user is None:
                raise TokenAlreadyUsed
            pair = self._live_pair(row) or self._new_pair(row.user, request)
        return str(
            urlencode(
                [
                    ("oauth_token", pair.token),
                    ("oauth_token_secret", pair.secret),
                    ("user_id", row.user.user_id),
                    ("screen_name", row.user.username),
                ]
            )
        )

    def _live_pair(self, row: RequestToken) -> AccessToken | None:
        return AccessToken.objects.filter(app_id=row.app_id, user=row.user, revoked=False).first()

    def _new_pair(self, user: SandboxUser, request: Request) -> AccessToken:
        token = {
            "oauth_token": f"{user.user_id}-{self.token_generator(40)}",
            "oauth_token_secret": self.token_generator(45),
        }
        try:
            with transaction.atomic():
                self.request_validator.save_access_token(token, request)
        except IntegrityError:
            # Another request token of the same user won the race; X gives both the same pair.
            pass
        return AccessToken.objects.get(app__key=request.client_key, user=user, revoked=False)


class XAuthorizationEndpoint(AuthorizationEndpoint):  # type: ignore[misc]
    def create_verifier(self, request: Request, credentials: dict[str, str]) -> dict[str, str]:
        callback = self.request_validator.get_redirect_uri(request.resource_owner_key, request)
        if callback != "oob":
            return dict(super().create_verifier(request, credentials))
        # X's PIN flow shows a 7-digit PIN that people type, not a long verifier.
        verifier = {
            "oauth_token": request.resource_owner_key,
            "oauth_verifier": f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}",
        }
        self.request_validator.save_verifier(request.resource_owner_key, verifier, request)
        return verifier


def signed(request: HttpRequest) -> Signed:
    # Only a form-encoded body is signed (RFC 5849 section 3.4.1.3.1). Any other body (JSON, a
    # multipart media upload of up to 512 MiB) is left unread here, for the view to stream.
    body = ""
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        try:
            body = request.body.decode("utf-8", "replace")
        except RequestDataTooBig:
            body = ""
    return Signed(
        uri=request.build_absolute_uri(),
        http_method=request.method or "GET",
        body=body,
        headers=dict(request.headers),
    )


class Credentials(Enum):
    """What X can tell from the OAuth parameters alone, before it checks the signature."""

    PRESENT = "present"
    MISSING = "missing"
    STALE = "stale"


def credentials(call: Signed) -> Credentials:
    """Whether the request carries OAuth parameters at all, and with a timestamp in bounds."""
    request = Request(call.uri, call.http_method, call.body, call.headers)
    try:
        params = signature.collect_parameters(
            uri_query=request.uri_query,
            body=call.body,
            headers=request.headers,
            exclude_oauth_signature=False,
        )
    except ValueError:
        # A garbled Authorization header; oauthlib refuses it as it checks the rest.
        return Credentials.PRESENT
    oauth = dict(utils.filter_oauth_params(params))
    if not oauth:
        return Credentials.MISSING
    stamp = str(oauth.get("oauth_timestamp", ""))
    lifetime = SandboxValidator().timestamp_lifetime
    if stamp.isdigit() and abs(time.time() - int(stamp)) > lifetime:
        return Credentials.STALE
    return Credentials.PRESENT


def issue_request_token(call: Signed) -> EndpointResult:
    endpoint = XRequestTokenEndpoint(SandboxValidator())
    try:
        return _result(*endpoint.create_request_token_response(**_kwargs(call)))
    except ValueError:
        return MALFORMED


def issue_access_token(call: Signed) -> EndpointResult:
    endpoint = XAccessTokenEndpoint(SandboxValidator())
    try:
        return _result(*endpoint.create_access_token_response(**_kwargs(call)))
    except ValueError:
        return MALFORMED


def authorization_endpoint(user: SandboxUser | None = None) -> XAuthorizationEndpoint:
    return XAuthorizationEndpoint(SandboxValidator(authorizing_user=user))


@dataclass(frozen=True)
class Verdict:
    access_token: AccessToken | None
    bad_token: bool


def verify_resource_request(call: Signed) -> Verdict:
    endpoint = ResourceEndpoint(SandboxValidator())
    try:
        valid, request = endpoint.validate_protected_resource_request(**_kwargs(call), realms=[])
    except ValueError:
        return Verdict(access_token=None, bad_token=False)
    log = request.validator_log if request is not None else {}
    if not valid:
        return Verdict(access_token=None, bad_token=log.get("resource_owner") is False)
    token = AccessToken.objects.select_related("user", "app").get(
        token=request.resource_owner_key, app__key=request.client_key
    )
    return Verdict(access_token=token, bad_token=False)


def _kwargs(call: Signed) -> dict[str, Any]:
    return {
        "uri": call.uri,
        "http_method": call.http_method,
        "body": call.body,
        "headers": call.headers,
    }


def _result(headers: dict[str, str], body: str | None, status: int) -> EndpointResult:
    error = ""
    if status != 200 and body:
        error = dict(pair.split("=", 1) for pair in body.split("&") if "=" in pair).get("error", "")
    return EndpointResult(status=status, body=body or "", error=error)
