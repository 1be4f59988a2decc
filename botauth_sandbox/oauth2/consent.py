"""X's OAuth 2.0 consent screen: a sandbox X user approves or cancels an authorization request."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.utils.translation import gettext as _
from oauthlib.common import add_params_to_uri
from oauthlib.oauth2.rfc6749 import errors

from botauth_sandbox.consent import SuspendedUser, sign_in
from botauth_sandbox.models import OAuth2Client, username_validator
from botauth_sandbox.oauth2.server import oauth2_server
from botauth_sandbox.oauth2.validator import SandboxOAuth2Validator

MAX_STATE = 500  # X_FACTS.md: "state up to 500 characters"

__all__ = ["Authorization", "InvalidAuthorization", "SuspendedUser", "approve", "cancel", "check"]


class InvalidAuthorization(Exception):
    """The request cannot be authorized; never answered by a redirect to its redirect_uri."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Authorization:
    client: OAuth2Client
    scopes: list[str]
    redirect_uri: str
    state: str


def check(*, uri: str) -> Authorization:
    """The authorization request in `uri`, checked as X checks it before showing consent."""
    try:
        scope_list, found = oauth2_server(SandboxOAuth2Validator()).validate_authorization_request(
            uri
        )
    except errors.OAuth2Error as err:
        raise InvalidAuthorization(_explain(err)) from err
    params = parse_qs(urlsplit(uri).query)
    if not params.get("code_challenge_method"):
        raise InvalidAuthorization(_("Missing required parameter [code_challenge_method]."))
    state = found["state"] or ""
    if not state:
        raise InvalidAuthorization(_("Missing required parameter [state]."))
    if len(state) > MAX_STATE:
        raise InvalidAuthorization(
            _("state is %(length)d characters long; X allows at most %(max)d.")
            % {"length": len(state), "max": MAX_STATE}
        )
    return Authorization(
        client=found["request"].client,
        scopes=scope_list,
        redirect_uri=found["redirect_uri"],
        state=state,
    )


def approve(*, uri: str, username: str) -> str:
    """Authorize as `username` (created if new); return the redirect with code and state."""
    checked = check(uri=uri)
    username_validator(username)
    user = sign_in(username)
    if user.suspended:
        raise SuspendedUser
    validator = SandboxOAuth2Validator(authorizing_user=user)
    headers, _body, status = oauth2_server(validator).create_authorization_response(
        uri, scopes=checked.scopes, credentials={"user": user}
    )
    location = str(headers.get("Location", ""))
    if status != 302 or "code=" not in location:
        raise InvalidAuthorization(_("The authorization request changed while it was shown."))
    return location


def cancel(*, uri: str) -> str:
    """The redirect X makes when the user cancels: error=access_denied and the state."""
    checked = check(uri=uri)
    return str(
        add_params_to_uri(
            checked.redirect_uri, [("error", "access_denied"), ("state", checked.state)]
        )
    )


def _explain(err: errors.OAuth2Error) -> str:
    if isinstance(err, errors.MissingClientIdError | errors.InvalidClientIdError):
        return _("client_id is not the Client ID of an OAuth 2.0 client of a sandbox app.")
    if isinstance(err, errors.MissingRedirectURIError):
        return _("Missing required parameter [redirect_uri].")
    if isinstance(err, errors.InvalidRedirectURIError | errors.MismatchingRedirectURIError):
        return _(
            "redirect_uri is not in this app's callback URL list (matched exactly). "
            "Add it to the sandbox app in the admin."
        )
    if isinstance(
        err,
        errors.MissingResponseTypeError
        | errors.UnsupportedResponseTypeError
        | errors.UnauthorizedClientError,
    ):
        return _("response_type must be code.")
    if isinstance(err, errors.MissingCodeChallengeError):
        return _("Missing required parameter [code_challenge].")
    if isinstance(err, errors.UnsupportedCodeChallengeMethodError):
        return _("code_challenge_method must be S256 or plain.")
    if isinstance(err, errors.InvalidScopeError):
        return _("scope must list X's OAuth 2.0 scopes, separated by spaces.")
    return str(err.description or err.error)
