"""The one place where botauth's HTTP traffic to X is routed and given a timeout.

tweepy hard-codes X's hosts and sets no timeout. Every session botauth hands to tweepy or
requests-oauthlib is an XSession: its URL is rewritten to BOTAUTH_X_API_URL (the sandbox, a
proxy) before the request is signed, so OAuth signatures cover the URL really requested.
"""

from __future__ import annotations

from typing import Any

import requests
from requests_oauthlib import OAuth1Session

from botauth import conf


def route(url: str) -> str:
    """X's URL rewritten to BOTAUTH_X_API_URL, whichever of X's origins it names.

    The sandbox serves all of them under one root (x.com's OAuth 2.0 consent page at
    ``/i/oauth2/authorize``); a base that is itself one of X's origins reroutes nothing.
    """
    base = conf.api_url()
    if base in conf.X_ORIGINS:
        return url
    for origin in conf.X_ORIGINS:
        if url == origin or url.startswith(origin + "/"):
            return base + url[len(origin) :]
    return url


class RoutedMixin:
    default_timeout: float | None = None

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout or conf.request_timeout()
        return super().request(method, route(url), *args, **kwargs)  # type: ignore[misc]


class XSession(RoutedMixin, requests.Session):
    def __init__(self, *, timeout: float | None = None) -> None:
        super().__init__()
        self.default_timeout = timeout


class XOAuth1Session(RoutedMixin, OAuth1Session):  # type: ignore[misc]
    pass
