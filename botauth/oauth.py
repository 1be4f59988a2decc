"""OAuth 1.0a with X on the wire: the only module that talks OAuth to X.

Requests are signed with requests-oauthlib's OAuth1 and sent through transport.XSession
(routed, timed out). botauth reads X's answers itself instead of through tweepy's
OAuth1UserHandler, which wraps every failure in a bare TweepyException and drops the
user_id/screen_name X returns with the access token (tweepy PR #757); oauth_callback_confirmed
is checked (RFC 5849 2.1), which neither tweepy nor requests-oauthlib does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

import requests
from django.views.decorators.debug import sensitive_variables
from requests_oauthlib import OAuth1

from botauth import conf
from botauth.exceptions import XRejectedError, XUnavailableError
from botauth.transport import XSession, route

# An OAuth token answer is a few hundred bytes; anything much larger is not from X.
MAX_ANSWER = 4096


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
    # OAuth 2.0 only: the single-use refresh token, the access token's expiry, granted scopes.
    refresh_token: str = field(default="", repr=False)
    expires_at: datetime | None = None
    scopes: str = ""
    protocol: str = "oauth1"


@contextmanager
def _reaching_x(doing: str) -> Iterator[None]:
    """Network failures mean "X is unavailable": the one exception this module wraps."""
    try:
        yield
    except requests.Timeout as err:
        raise XUnavailableError(f"X did not answer in time while {doing}; try again.") from err
    except requests.RequestException as err:
        raise XUnavailableError(f"X could not be reached while {doing}; try again.") from err


def _check_status(response: requests.Response, doing: str) -> None:
    status = response.status_code
    if status >= 500:
        raise XUnavailableError(f"X failed ({status}) while {doing}; try again later.")
    if status >= 400:
        raise XRejectedError(
            f"X refused the request ({status}) while {doing}: {response.text[:300]}",
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
        raise XRejectedError(f"X sent an answer that is not an OAuth token while {doing}.") from err
    answer = dict(pairs)
    missing = [n for n in ("oauth_token", "oauth_token_secret") if not answer.get(n)]
    if len(answer) != len(pairs) or missing:
        problem = f"no {' or '.join(missing)}" if missing else "a repeated parameter"
        raise XRejectedError(f"X sent an answer with {problem} while {doing}.")
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
    doing = "getting a request token"
    response = _signed_post(
        f"{conf.X_API_URL}/oauth/request_token", _auth(callback=callback), doing
    )
    answer = _token_answer(response, doing)
    if answer.get("oauth_callback_confirmed") != "true":
        raise XRejectedError(
            f"X did not confirm the callback (oauth_callback_confirmed is not 'true') while "
            f"{doing}."
        )
    return RequestToken(token=answer["oauth_token"], secret=answer["oauth_token_secret"])


@sensitive_variables()
def fetch_access_token(*, request_token: RequestToken, verifier: str) -> AccessGrant:
    doing = "exchanging the verifier for an access token"
    auth = _auth(token=request_token.token, secret=request_token.secret, verifier=verifier)
    response = _signed_post(f"{conf.X_API_URL}/oauth/access_token", auth, doing)
    answer = _token_answer(response, doing)
    token = answer["oauth_token"]
    return AccessGrant(
        token=token,
        secret=answer["oauth_token_secret"],
        user_id=answer.get("user_id") or token.partition("-")[0],
        screen_name=answer.get("screen_name", ""),
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


# X's docs name both paths; the v1.1 one is tried first and the other on 404.
INVALIDATE_PATHS = ("/1.1/oauth/invalidate_token", "/oauth/invalidate_token")


@sensitive_variables()
def invalidate_token(*, access_token: str, access_token_secret: str) -> None:
    """Revoke an access pair at X. A pair X already rejects (401) counts as revoked."""
    auth = user_auth(access_token, access_token_secret)
    for path in INVALIDATE_PATHS:
        response = _signed_post(f"{conf.X_API_URL}{path}", auth, "revoking the access token")
        if response.status_code != 404:
            break
    if response.status_code == 401 or response.ok:
        return
    if response.status_code >= 500:
        raise XUnavailableError(f"X failed ({response.status_code}) revoking the token.")
    raise XRejectedError(
        f"X refused to revoke the token ({response.status_code}): {response.text[:300]}",
        status=response.status_code,
    )
