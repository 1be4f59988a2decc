"""OAuth 2.0 with X on the wire: the only module that talks OAuth 2.0 to X.

The consent URL (Authorization Code with PKCE S256), the token endpoint as a confidential
client ("Web App, Automated App or Bot": HTTP Basic with the Client ID and Secret, which X
also requires of a refresh), revocation, and who a user token belongs to. X's answers are read
as hostile: at most MAX_ANSWER bytes, JSON objects only, and every field checked for type and
shape before anything is returned, so that nothing malformed can be stored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import requests
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.debug import sensitive_variables
from requests.auth import AuthBase, HTTPBasicAuth

from botauth import conf, scopes
from botauth.exceptions import XError, XOAuth2Error, XRejectedError, XUnavailableError
from botauth.transport import XSession, route

AUTHORIZE_URL = f"{conf.X_WEB_URL}/i/oauth2/authorize"
TOKEN_URL = f"{conf.X_OAUTH2_API_URL}/2/oauth2/token"
REVOKE_URL = f"{conf.X_OAUTH2_API_URL}/2/oauth2/revoke"
USERS_ME_URL = f"{conf.X_API_URL}/2/users/me"

# X's token answers are a few hundred bytes, /2/users/me without fields less.
MAX_ANSWER = 16 * 1024
# X's codes and tokens are base64 of a short record (about 90 characters).
TOKEN_RE = re.compile(r"[A-Za-z0-9+/=._~\-]{1,2048}")
USER_ID_RE = re.compile(r"[0-9]{1,19}")
USERNAME_RE = re.compile(r"[A-Za-z0-9_]{1,15}")
ERROR_RE = re.compile(r"[a-z_]{1,64}")
# X's tokens live 7200 s; one that claims to live longer than a year is not from X.
MAX_EXPIRES_IN = 366 * 24 * 3600
MAX_SCOPES = 500  # BotAccount.scopes
CLIENT_HINT = gettext_noop(
    "Check TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET against the developer portal "
    "(Keys and tokens > OAuth 2.0 Client ID and Client Secret)."
)
# What botauth was doing when X failed, by the token_type_hint revoked.
REVOKING = {
    "access_token": gettext_noop("revoking the access token"),
    "refresh_token": gettext_noop("revoking the refresh token"),
}


@dataclass(frozen=True)
class TokenGrant:
    """X's token answer, checked: a bearer token, its refresh token ("" without offline.access),
    when it expires (counted from before the request was sent), and the scopes granted."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class Identity:
    user_id: str
    username: str


class BearerAuth(AuthBase):
    """An OAuth 2.0 user token as requests auth; its repr never shows the token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:
        return "<BearerAuth>"


def new_state() -> str:
    # 256 random bits in 43 characters; X allows up to 500.
    return secrets.token_urlsafe(32)


def new_verifier() -> str:
    # RFC 7636 4.1: 43 to 128 characters of [A-Za-z0-9-._~]; 64 random bytes make 86.
    return secrets.token_urlsafe(64)


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@sensitive_variables()
def authorize_url(*, state: str, verifier: str, callback: str, scope: tuple[str, ...]) -> str:
    client_id, _ = conf.client_credentials()
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": callback,
        "scope": " ".join(scope),
        "state": state,
        "code_challenge": challenge(verifier),
        "code_challenge_method": "S256",
    }
    # %20 between scopes, as X's docs write them.
    return route(AUTHORIZE_URL) + "?" + urlencode(params, quote_via=quote)


@sensitive_variables()
def exchange_code(*, code: str, verifier: str, callback: str) -> TokenGrant:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": callback,
        "code_verifier": verifier,
    }
    return fetch_token(form=form, doing=gettext("exchanging the authorization code for a token"))


@sensitive_variables()
def fetch_token(*, form: Mapping[str, str], doing: str) -> TokenGrant:
    """POST a grant to X's token endpoint as the confidential client; X's answer checked.

    Raises XOAuth2Error when X refuses (its ``error`` says why), XUnavailableError when X
    cannot be reached or fails, XRejectedError when the answer is not a usable token.
    """
    auth = _client_auth()
    sent_at = timezone.now()
    status, body = _send("POST", TOKEN_URL, doing, data=dict(form), auth=auth)
    if status != 200:
        raise _refusal(status, body, doing)
    return _token_grant(_json(status, body, doing), sent_at=sent_at, doing=doing)


@sensitive_variables()
def fetch_identity(*, access_token: str) -> Identity:
    """Who an OAuth 2.0 user token belongs to: GET /2/users/me with it, X's answer checked."""
    doing = gettext("reading who the new token belongs to (GET /2/users/me)")
    status, body = _send("GET", USERS_ME_URL, doing, auth=BearerAuth(access_token))
    if status >= 500:
        raise _failed(status, doing)
    if status != 200:
        raise XRejectedError(
            gettext("X refused the request (%(status)s) while %(doing)s: %(said)s.")
            % {"status": status, "doing": doing, "said": _problem(body).rstrip(". ")},
            status=status,
        )
    data = _json(status, body, doing).get("data")
    user_id = data.get("id") if isinstance(data, dict) else None
    username = data.get("username") if isinstance(data, dict) else None
    if not (isinstance(user_id, str) and USER_ID_RE.fullmatch(user_id)):
        raise _nothing_stored(gettext("no valid user id"), doing)
    if not (isinstance(username, str) and USERNAME_RE.fullmatch(username)):
        raise _nothing_stored(gettext("no valid username"), doing)
    return Identity(user_id=user_id, username=username)


@sensitive_variables()
def revoke_token(*, token: str, hint: str) -> None:
    """Revoke an access or refresh token (``hint``) at X, which confirms with revoked: true."""
    doing = gettext(REVOKING[hint])
    form = {"token": token, "token_type_hint": hint}
    status, body = _send("POST", REVOKE_URL, doing, data=form, auth=_client_auth())
    if status != 200:
        raise _refusal(status, body, doing)
    if _json(status, body, doing).get("revoked") is not True:
        raise XRejectedError(
            gettext("X did not confirm the revocation while %(doing)s.") % {"doing": doing},
            status=status,
        )


@sensitive_variables()
def get_users_me(session: requests.Session, *, access_token: str) -> requests.Response:
    return session.get(USERS_ME_URL, auth=BearerAuth(access_token))


@sensitive_variables()
def _client_auth() -> HTTPBasicAuth:
    client_id, secret = conf.client_credentials()
    # RFC 6749 2.3.1 form-encodes both before Basic; X's are url-safe, so they go unchanged.
    return HTTPBasicAuth(quote(client_id, safe=""), quote(secret, safe=""))


@sensitive_variables()
def _send(method: str, url: str, doing: str, **kwargs: Any) -> tuple[int, bytes]:
    """Status and body (read up to MAX_ANSWER bytes); network failures mean X is unavailable."""
    try:
        with XSession() as session, session.request(method, url, stream=True, **kwargs) as answer:
            body = b""
            for chunk in answer.iter_content(4096):
                body += chunk
                if len(body) > MAX_ANSWER:
                    raise XRejectedError(
                        gettext(
                            "X sent more than %(limit)d bytes while %(doing)s; it is not X's "
                            "answer."
                        )
                        % {"limit": MAX_ANSWER, "doing": doing},
                        status=answer.status_code,
                    )
            return answer.status_code, body
    except requests.Timeout as err:
        raise XUnavailableError(
            gettext("X did not answer in time while %(doing)s; try again.") % {"doing": doing}
        ) from err
    except requests.RequestException as err:
        raise XUnavailableError(
            gettext("X could not be reached while %(doing)s; try again.") % {"doing": doing}
        ) from err


def _json(status: int, body: bytes, doing: str) -> dict[str, Any]:
    try:
        answer = json.loads(body)
    except ValueError as err:
        raise XRejectedError(
            gettext("X sent an answer that is not JSON while %(doing)s.") % {"doing": doing},
            status=status,
        ) from err
    if not isinstance(answer, dict):
        raise XRejectedError(
            gettext("X sent an answer that is not a JSON object while %(doing)s.")
            % {"doing": doing},
            status=status,
        )
    return answer


def _said(value: Any, limit: int = 200) -> str:
    return "".join(c for c in value if c.isprintable())[:limit] if isinstance(value, str) else ""


def _nothing_stored(problem: str, doing: str) -> XRejectedError:
    return XRejectedError(
        gettext("X sent %(problem)s while %(doing)s; nothing was stored.")
        % {"problem": problem, "doing": doing}
    )


def _failed(status: int, doing: str) -> XUnavailableError:
    return XUnavailableError(
        gettext("X failed (%(status)s) while %(doing)s; try again later.")
        % {"status": status, "doing": doing}
    )


def _refusal(status: int, body: bytes, doing: str) -> XError:
    if status >= 500:
        return _failed(status, doing)
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    answer = answer if isinstance(answer, dict) else {}
    error = answer.get("error")
    error = error if isinstance(error, str) and ERROR_RE.fullmatch(error) else ""
    said = ": ".join(filter(None, [error, _said(answer.get("error_description"))]))
    said = said or _said(body.decode(errors="replace"), 120)
    message = gettext("X refused the request (%(status)s) while %(doing)s: %(said)s.") % {
        "status": status,
        "doing": doing,
        "said": said,
    }
    if status == 401 or error in ("invalid_client", "unauthorized_client"):
        message += " " + gettext(CLIENT_HINT)
    return XOAuth2Error(message, status=status, error=error)


def _problem(body: bytes) -> str:
    """A v2 problem's detail (or title), or the start of whatever X sent."""
    try:
        answer = json.loads(body)
    except ValueError:
        return _said(body.decode(errors="replace"), 120)
    if isinstance(answer, dict):
        return _said(answer.get("detail") or answer.get("title")) or gettext("no detail")
    return gettext("no detail")


@sensitive_variables()
def _token_grant(answer: dict[str, Any], *, sent_at: datetime, doing: str) -> TokenGrant:
    def bad(problem: str) -> XRejectedError:
        return XRejectedError(
            gettext("X sent a token answer with %(problem)s while %(doing)s; nothing was stored.")
            % {"problem": problem, "doing": doing},
            status=200,
        )

    token_type = answer.get("token_type")
    if not (isinstance(token_type, str) and token_type.lower() == "bearer"):
        raise bad(gettext("a token_type other than bearer"))
    access_token = answer.get("access_token")
    if not (isinstance(access_token, str) and TOKEN_RE.fullmatch(access_token)):
        raise bad(gettext("no valid access_token"))
    expires_in = answer.get("expires_in")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int):
        raise bad(gettext("no valid expires_in"))
    if not 0 < expires_in <= MAX_EXPIRES_IN:
        raise bad(
            gettext("expires_in %(seconds)d (X's tokens live 7200 seconds)")
            % {"seconds": expires_in}
        )
    scope = answer.get("scope")
    granted = scopes.split(scope) if isinstance(scope, str) else ()
    if not granted or len(" ".join(granted)) > MAX_SCOPES:
        raise bad(gettext("no valid scope"))
    if not all(scopes.SCOPE_RE.fullmatch(name) for name in granted):
        raise bad(gettext("a malformed scope"))
    refresh_token = answer.get("refresh_token", "")
    if not (
        isinstance(refresh_token, str) and (not refresh_token or TOKEN_RE.fullmatch(refresh_token))
    ):
        raise bad(gettext("a malformed refresh_token"))
    if scopes.OFFLINE_ACCESS in granted and not refresh_token:
        raise bad(gettext("offline.access but no refresh_token"))
    return TokenGrant(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=sent_at + timedelta(seconds=expires_in),
        scopes=granted,
    )
