"""OAuth 1.0a with X: the only module that talks OAuth to X.

Built on tweepy.OAuth1UserHandler, extended where tweepy falls short: every request is routed
and timed out (transport.XSession), oauth_callback_confirmed is checked (RFC 5849 2.1), and the
user_id/screen_name X returns with the access token are kept (tweepy drops them, PR #757).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests
import tweepy
from django.views.decorators.debug import sensitive_variables
from requests_oauthlib import OAuth1
from requests_oauthlib.oauth1_session import TokenRequestDenied

from botauth import conf
from botauth.exceptions import XRejectedError, XUnavailableError
from botauth.transport import XOAuth1Session, XSession, route


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


# What X may report in x-access-level; anything else is not stored.
ACCESS_LEVELS = frozenset({"read", "read-write", "read-write-directmessages"})


class LinkHandler(tweepy.OAuth1UserHandler):  # type: ignore[misc]
    def __init__(self, *, callback: str | None = None) -> None:
        key, secret = conf.consumer_credentials()
        super().__init__(key, secret, callback=callback)
        self.oauth = XOAuth1Session(key, client_secret=secret, callback_uri=callback)
        self.user_id = ""
        self.screen_name = ""
        self.access_level = ""

    def _get_oauth_url(self, endpoint: str) -> str:
        return route(f"{conf.X_API_URL}/oauth/{endpoint}")

    def _get_request_token(self, access_type: str | None = None) -> dict[str, str]:
        token: dict[str, str] = super()._get_request_token(access_type)
        if token.get("oauth_callback_confirmed") != "true":
            raise tweepy.TweepyException(
                "X did not confirm the callback (oauth_callback_confirmed is not 'true')."
            )
        return token

    def get_access_token(self, verifier: str | None = None) -> tuple[str, str]:
        try:
            self.oauth = XOAuth1Session(
                self.consumer_key,
                client_secret=self.consumer_secret,
                resource_owner_key=self.request_token["oauth_token"],
                resource_owner_secret=self.request_token["oauth_token_secret"],
                verifier=verifier,
            )
            # requests-oauthlib returns the body only; X may say the access level in a header.
            self.oauth.hooks["response"].append(self._note_access_level)
            response = self.oauth.fetch_access_token(self._get_oauth_url("access_token"))
        except Exception as err:
            raise tweepy.TweepyException(err) from err
        self.access_token = response["oauth_token"]
        self.access_token_secret = response["oauth_token_secret"]
        self.user_id = response.get("user_id") or self.access_token.partition("-")[0]
        self.screen_name = response.get("screen_name", "")
        return self.access_token, self.access_token_secret

    def _note_access_level(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        level = response.headers.get("x-access-level", "")
        self.access_level = level if level in ACCESS_LEVELS else ""


@contextmanager
def x_errors(doing: str) -> Iterator[None]:
    """Turn tweepy/requests failures into XUnavailableError or XRejectedError."""
    try:
        yield
    except (tweepy.TweepyException, requests.RequestException, ValueError, KeyError) as err:
        cause: BaseException | None = err
        while isinstance(cause, tweepy.TweepyException) and cause.__context__ is not None:
            cause = cause.__context__
        if isinstance(cause, requests.Timeout):
            raise XUnavailableError(f"X did not answer in time while {doing}; try again.") from err
        if isinstance(cause, requests.RequestException):
            raise XUnavailableError(f"X could not be reached while {doing}; try again.") from err
        if isinstance(cause, TokenRequestDenied):
            status = cause.response.status_code
            detail = cause.response.text[:300]
            if status >= 500:
                raise XUnavailableError(
                    f"X failed ({status}) while {doing}; try again later."
                ) from err
            raise XRejectedError(
                f"X refused the request ({status}) while {doing}: {detail}", status=status
            ) from err
        raise XRejectedError(f"X sent an unexpected answer while {doing}: {cause}") from err


def authorize_url(token: str, *, screen_name: str = "") -> str:
    params = {"oauth_token": token, "force_login": "true"}
    if screen_name:
        params["screen_name"] = screen_name
    return route(f"{conf.X_API_URL}/oauth/authorize") + "?" + urlencode(params)


# sensitive_variables keeps the locals of these frames, and of everything they call, out of
# Django's error pages and error e-mails: they hold token secrets in clear.
@sensitive_variables()
def fetch_request_token(*, callback: str) -> RequestToken:
    handler = LinkHandler(callback=callback)
    with x_errors("getting a request token"):
        token = handler._get_request_token()
        return RequestToken(token=token["oauth_token"], secret=token["oauth_token_secret"])


@sensitive_variables()
def fetch_access_token(*, request_token: RequestToken, verifier: str) -> AccessGrant:
    handler = LinkHandler()
    handler.request_token = {
        "oauth_token": request_token.token,
        "oauth_token_secret": request_token.secret,
    }
    with x_errors("exchanging the verifier for an access token"):
        token, secret = handler.get_access_token(verifier)
    return AccessGrant(
        token=token,
        secret=secret,
        user_id=handler.user_id,
        screen_name=handler.screen_name,
        access_level=handler.access_level,
    )


@sensitive_variables()
def user_auth(access_token: str, access_token_secret: str) -> OAuth1:
    key, secret = conf.consumer_credentials()
    return OAuth1(
        key,
        client_secret=secret,
        resource_owner_key=access_token,
        resource_owner_secret=access_token_secret,
    )


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
    with XSession() as session, x_errors("revoking the access token"):
        for path in INVALIDATE_PATHS:
            response: Any = session.post(f"{conf.X_API_URL}{path}", auth=auth)
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
