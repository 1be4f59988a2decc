"""OAuth 1.0a with X on the wire: the only module that talks OAuth to X.

Requests are signed with requests-oauthlib's OAuth1 and sent through transport.XSession
(routed, timed out). botauth reads X's answers itself instead of through tweepy's
OAuth1UserHandler, which wraps every failure in a bare TweepyException and drops the
user_id/screen_name X returns with the access token (tweepy PR #757); oauth_callback_confirmed
is checked (RFC 5849 2.1), which neither tweepy nor requests-oauthlib does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from requests_oauthlib import OAuth1

from botauth import conf
from botauth.exceptions import XRejectedError, XUnavailableError
from botauth.transport import XSession, route

# An OAuth token answer is a few hundred bytes; anything much larger is not from X.
MAX_ANSWER = 4096
# What botauth stores from X, checked before anything is stored: X's user ids are 64-bit
# integers, handles are 1 to 15 letters, digits or underscores, tokens visible ASCII.
USER_ID_RE = re.compile(r"[0-9]{1,19}")
SCREEN_NAME_RE = re.compile(r"[A-Za-z0-9_]{1,15}")
TOKEN_VALUE_RE = re.compile(r"[\x21-\x7e]{1,255}")
ACCESS_LEVEL_RE = re.compile(r"[a-z-]{0,40}")
# X's access tokens start with the user id they belong to.
TOKEN_USER_RE = re.compile(r"([0-9]{1,19})-.+")


@dataclass(frozen=True)
class RequestToken:
    token: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class AccessGrant:
    token: str = field(repr=False)
    secret: str = field(repr=False)
    user_id: str
    screen_name: str
    access_level: str = ""
    # OAuth 2.0 only: the single-use refresh token, the access token's expiry, granted scopes.
    refresh_token: str = field(default="", repr=False)
    expires_at: datetime | None = None
    scopes: str = ""
    protocol: str = "oauth1"


# What X may report in x-access-level; anything else is not stored.
ACCESS_LEVELS = frozenset({"read", "read-write", "read-write-directmessages"})


@sensitive_variables()
def checked_grant(
    *, token: str, secret: str, user_id: str, screen_name: str, access_level: str = "", doing: str
) -> AccessGrant:
    """An AccessGrant whose every value is what X sends, or XRejectedError naming what is not.

    The values themselves are never quoted: they may hold anything, secrets included.
    """
    prefix = TOKEN_USER_RE.fullmatch(token)
    problem = ""
    if not (TOKEN_VALUE_RE.fullmatch(token) and TOKEN_VALUE_RE.fullmatch(secret)):
        problem = _("an access token or secret that is empty, too long or not printable")
    elif not user_id and prefix is None:
        problem = _("no user_id, and an access token that does not start with one")
    elif user_id and not USER_ID_RE.fullmatch(user_id):
        problem = _("a user_id that is not 1 to 19 digits")
    elif prefix is not None and user_id and prefix[1] != user_id:
        problem = _("an access token that belongs to another user_id")
    elif not SCREEN_NAME_RE.fullmatch(screen_name):
        problem = _("a screen_name that is not 1 to 15 letters, digits or underscores")
    elif not ACCESS_LEVEL_RE.fullmatch(access_level):
        problem = _("an access level that is not one of X's")
    if problem:
        raise XRejectedError(
            _("X sent %(problem)s while %(doing)s; nothing was stored.")
            % {"problem": problem, "doing": doing}
        )
    return AccessGrant(
        token=token,
        secret=secret,
        user_id=user_id or (prefix[1] if prefix else ""),
        screen_name=screen_name,
        access_level=access_level,
    )


@contextmanager
def _reaching_x(doing: str) -> Iterator[None]:
    """Network failures mean "X is unavailable": the one exception this module wraps."""
    try:
        yield
    except requests.Timeout as err:
        raise XUnavailableError(
            _("X did not answer in time while %(doing)s; try again.") % {"doing": doing}
        ) from err
    except requests.RequestException as err:
        raise XUnavailableError(
            _("X could not be reached while %(doing)s; try again.") % {"doing": doing}
        ) from err


def x_says(response: requests.Response) -> str:
    """X's error in words: the messages of a v1.1 error list or a v2 problem, else the text."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        said = [
            _("%(message)s (code %(code)s)") % {"message": e.get("message", ""), "code": e["code"]}
            if "code" in e
            else str(e.get("message"))
            for e in body["errors"]
            if isinstance(e, dict)
        ]
        return "; ".join(said)[:300]
    if isinstance(body, dict) and (body.get("detail") or body.get("title")):
        return str(body.get("detail") or body.get("title"))[:300]
    return response.text[:300]


def _check_status(response: requests.Response, doing: str) -> None:
    status = response.status_code
    if status >= 500:
        raise XUnavailableError(
            _("X failed (%(status)s) while %(doing)s; try again later.")
            % {"status": status, "doing": doing}
        )
    if status >= 400:
        said = x_says(response).rstrip(". ")
        raise XRejectedError(
            _("X refused the request (%(status)s) while %(doing)s: %(said)s.")
            % {"status": status, "doing": doing, "said": said},
            status=status,
        )


@sensitive_variables()
def _token_answer(response: requests.Response, doing: str) -> dict[str, str]:
    """X's form-encoded token answer as a dict, each name once, oauth_token and secret present."""
    _check_status(response, doing)
    text = response.text.strip()
    try:
        if len(text) > MAX_ANSWER:
            raise ValueError(f"{len(text)} characters")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError as err:
        raise XRejectedError(
            _("X sent an answer that is not an OAuth token while %(doing)s.") % {"doing": doing}
        ) from err
    answer = dict(pairs)
    missing = [n for n in ("oauth_token", "oauth_token_secret") if not answer.get(n)]
    if len(answer) != len(pairs) or missing:
        if len(missing) == 2:
            problem = _("no %(first)s or %(second)s") % {"first": missing[0], "second": missing[1]}
        elif missing:
            problem = _("no %(name)s") % {"name": missing[0]}
        else:
            problem = _("a repeated parameter")
        raise XRejectedError(
            _("X sent an answer with %(problem)s while %(doing)s.")
            % {"problem": problem, "doing": doing}
        )
    return answer


@sensitive_variables()
def _signed_post(url: str, auth: OAuth1, doing: str) -> requests.Response:
    with XSession() as session, _reaching_x(doing):
        return session.post(url, auth=auth)


@sensitive_variables()
def _auth(
    *,
    token: str | None = None,
    secret: str | None = None,
    callback: str | None = None,
    verifier: str | None = None,
) -> OAuth1:
    key, consumer_secret = conf.consumer_credentials()
    return OAuth1(
        key,
        client_secret=consumer_secret,
        resource_owner_key=token,
        resource_owner_secret=secret,
        callback_uri=callback,
        verifier=verifier,
    )


def authorize_url(token: str, *, screen_name: str = "") -> str:
    params = {"oauth_token": token, "force_login": "true"}
    if screen_name:
        params["screen_name"] = screen_name
    return route(f"{conf.X_API_URL}/oauth/authorize") + "?" + urlencode(params)


# sensitive_variables keeps the locals of these frames, and of everything they call, out of
# Django's error pages and error e-mails: they hold token secrets in clear.
@sensitive_variables()
def fetch_request_token(*, callback: str) -> RequestToken:
    doing = _("getting a request token")
    response = _signed_post(
        f"{conf.X_API_URL}/oauth/request_token", _auth(callback=callback), doing
    )
    answer = _token_answer(response, doing)
    if answer.get("oauth_callback_confirmed") != "true":
        raise XRejectedError(
            _(
                "X did not confirm the callback (oauth_callback_confirmed is not 'true') while "
                "%(doing)s."
            )
            % {"doing": doing}
        )
    return RequestToken(token=answer["oauth_token"], secret=answer["oauth_token_secret"])


@sensitive_variables()
def fetch_access_token(*, request_token: RequestToken, verifier: str) -> AccessGrant:
    doing = _("exchanging the verifier for an access token")
    auth = _auth(token=request_token.token, secret=request_token.secret, verifier=verifier)
    response = _signed_post(f"{conf.X_API_URL}/oauth/access_token", auth, doing)
    answer = _token_answer(response, doing)
    return checked_grant(
        token=answer["oauth_token"],
        secret=answer["oauth_token_secret"],
        user_id=answer.get("user_id", ""),
        screen_name=answer.get("screen_name", ""),
        doing=doing,
        # X may say the access level in a header of the token answer.
        access_level=level
        if (level := response.headers.get("x-access-level", "")) in ACCESS_LEVELS
        else "",
    )


@sensitive_variables()
def user_auth(access_token: str, access_token_secret: str) -> OAuth1:
    return _auth(token=access_token, secret=access_token_secret)


@sensitive_variables()
def get_users_me(
    session: requests.Session, *, access_token: str, access_token_secret: str
) -> requests.Response:
    return session.get(
        f"{conf.X_API_URL}/2/users/me", auth=user_auth(access_token, access_token_secret)
    )


@sensitive_variables()
def fetch_identity(*, access_token: str, access_token_secret: str) -> AccessGrant:
    """Who X says this access pair belongs to (one GET /2/users/me), as a checked grant."""
    doing = _("checking the access token with X")
    with XSession() as session, _reaching_x(doing):
        response = get_users_me(
            session, access_token=access_token, access_token_secret=access_token_secret
        )
    _check_status(response, doing)
    try:
        data = response.json()["data"]
        user_id, username = str(data["id"]), str(data["username"])
    except (ValueError, KeyError, TypeError) as err:
        raise XRejectedError(
            _("X answered 200 without user data while %(doing)s.") % {"doing": doing}
        ) from err
    return checked_grant(
        token=access_token,
        secret=access_token_secret,
        user_id=user_id,
        screen_name=username,
        access_level=response.headers.get("x-access-level", ""),
        doing=doing,
    )


# X's docs name both paths; the v1.1 one is tried first and the other on 404.
INVALIDATE_PATHS = ("/1.1/oauth/invalidate_token", "/oauth/invalidate_token")


@sensitive_variables()
def invalidate_token(*, access_token: str, access_token_secret: str) -> None:
    """Revoke an access pair at X. A pair X already rejects (401) counts as revoked."""
    auth = user_auth(access_token, access_token_secret)
    for path in INVALIDATE_PATHS:
        response = _signed_post(f"{conf.X_API_URL}{path}", auth, _("revoking the access token"))
        if response.status_code != 404:
            break
    if response.status_code == 401 or response.ok:
        return
    if response.status_code >= 500:
        raise XUnavailableError(
            _("X failed (%(status)s) revoking the token.") % {"status": response.status_code}
        )
    raise XRejectedError(
        _("X refused to revoke the token (%(status)s): %(said)s")
        % {"status": response.status_code, "said": x_says(response)},
        status=response.status_code,
    )
