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
    base = conf.api_url()
    if base == conf.X_API_URL:
        return url
    for host in (conf.X_API_URL, conf.X_UPLOAD_URL, conf.X_API_X_URL):
        if url == host or url.startswith(host + "/"):
            return base + url[len(host) :]
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
