"""X's OAuth 2.0 refresh on the wire: one POST to /2/oauth2/token that rotates the token pair.

X's refresh tokens are single use: once X has handled a refresh, the old refresh token is dead
whether or not its answer arrives. So this module tells apart a request that never left
(XUnavailableError: nothing changed at X), one whose answer was lost (RefreshAnswerLostError:
the old pair may be dead), a refused refresh token (Refused) and an answer that is not a
complete pair (XRejectedError). It only talks to X; refresh.py decides when, and stores.
oauth2.fetch_token speaks to the same endpoint for the link, where a lost answer costs only a
retry of the link, so it does not need that distinction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import requests
from django.views.decorators.debug import sensitive_variables
from requests.auth import HTTPBasicAuth
from urllib3.exceptions import NewConnectionError

from botauth import conf
from botauth.exceptions import (
    RefreshAnswerLostError,
    XOAuth2Error,
    XRejectedError,
    XUnavailableError,
)
from botauth.transport import XSession

TOKEN_URL = f"{conf.X_OAUTH2_API_URL}/2/oauth2/token"
# A token answer is a few hundred bytes; anything much larger is not from X.
MAX_ANSWER = 8192
# Tokens go into an Authorization header: printable ASCII without spaces, and not huge.
TOKEN_RE = re.compile(r"[\x21-\x7e]{1,2048}")
MAX_EXPIRES_IN = 366 * 24 * 3600
# X answers a used, revoked or invalid refresh token with 400 and one of these (X_FACTS.md).
REFUSALS = ("invalid_request", "invalid_grant")


@dataclass(frozen=True)
class Rotated:
    """The new pair X issued; the refresh token it replaces is dead from now on."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    scope: str


class Refused(XOAuth2Error):
    """X refused the refresh token itself: used, revoked or never valid."""

    def __init__(self, message: str, *, error: str, description: str) -> None:
        super().__init__(message, status=400, error=error)
        self.description = description


@sensitive_variables()
def rotate(*, refresh_token: str) -> Rotated:
    """Ask X for a new pair in exchange for `refresh_token`."""
    client_id, secret = conf.client_credentials()
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    # RFC 6749 2.3.1: a confidential client's id and secret are form-encoded, then Basic; X
    # refuses a refresh without it ("Missing valid authorization header").
    auth = HTTPBasicAuth(quote(client_id, safe=""), quote(secret, safe=""))
    status, body = _post(data, auth)
    if status == 200:
        return _pair(body)
    answer = _json_object(body) or {}
    error = str(answer.get("error", ""))[:60]
    description = str(answer.get("error_description", ""))[:200]
    if status >= 500:
        raise XUnavailableError(f"X failed ({status}) refreshing the token; try again later.")
    if status == 400 and error in REFUSALS and not description.startswith("Missing required"):
        raise Refused(
            f"X refused the refresh token ({error}: {description or 'no description'}).",
            error=error,
            description=description,
        )
    raise XOAuth2Error(
        f"X refused the refresh request ({status} {error or 'no error'}: {description}). Check "
        "TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET against your X app's Keys and tokens.",
        status=status,
        error=error,
    )


@sensitive_variables()
def _post(data: dict[str, str], auth: HTTPBasicAuth) -> tuple[int, bytes]:
    try:
        with (
            XSession() as session,
            session.post(TOKEN_URL, data=data, auth=auth, stream=True) as response,
        ):
            return response.status_code, _read(response)
    except (requests.ConnectTimeout, requests.ConnectionError) as err:
        if isinstance(err, requests.ConnectTimeout | requests.exceptions.SSLError) or (
            _never_connected(err)
        ):
            raise XUnavailableError(
                "X could not be reached to refresh the token; nothing changed, try again."
            ) from err
        raise _lost(err) from err
    except requests.RequestException as err:
        raise _lost(err) from err


def _never_connected(err: requests.ConnectionError) -> bool:
    reason = getattr(err.args[0] if err.args else None, "reason", None)
    return isinstance(reason, NewConnectionError)


def _lost(err: Exception) -> RefreshAnswerLostError:
    return RefreshAnswerLostError(
        f"X's answer to the token refresh was lost ({type(err).__name__}) after the request was "
        "sent. The stored tokens are unchanged; if X did rotate them, the next refresh is "
        "refused and the bot must be linked again."
    )


def _read(response: requests.Response) -> bytes:
    body = b""
    for chunk in response.iter_content(4096):
        body += chunk
        if len(body) > MAX_ANSWER:
            raise XRejectedError(
                "X answered the token refresh with more than 8 KiB; that is not a token.",
                status=response.status_code,
            )
    return body


def _json_object(body: bytes) -> dict[str, object] | None:
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


@sensitive_variables()
def _pair(body: bytes) -> Rotated:
    answer = _json_object(body)
    problem = "not a JSON object"
    if answer is not None:
        problem = _problem(answer)
    if problem:
        # X has handled the refresh, so the old refresh token is probably dead; storing half a
        # pair would only hide that.
        raise XRejectedError(
            f"X answered the token refresh with {problem}. The stored tokens are unchanged.",
            status=200,
        )
    assert answer is not None
    return Rotated(
        access_token=str(answer["access_token"]),
        refresh_token=str(answer["refresh_token"]),
        expires_in=int(str(answer["expires_in"])),
        scope=str(answer.get("scope", "")),
    )


def _problem(answer: dict[str, object]) -> str:
    if str(answer.get("token_type", "")).lower() != "bearer":
        return "a token_type that is not bearer"
    for name in ("access_token", "refresh_token"):
        value = answer.get(name)
        if not isinstance(value, str) or not TOKEN_RE.fullmatch(value):
            return f"no valid {name}"
    expires_in = answer.get("expires_in")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int):
        return "no whole number expires_in"
    if not 0 < expires_in <= MAX_EXPIRES_IN:
        return f"an expires_in of {expires_in} s"
    scope = answer.get("scope", "")
    if not isinstance(scope, str) or len(scope) > 500:
        return "a scope that is not a list of X's scopes"
    return ""
