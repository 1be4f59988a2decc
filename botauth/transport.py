"""The one place where botauth's HTTP traffic to X is routed and given a timeout.

tweepy hard-codes X's hosts and sets no timeout. Every session botauth hands to tweepy or
requests-oauthlib is an XSession: its URL is rewritten to conf.api_url() (BOTAUTH_X_API_URL,
or the sandbox with BOTAUTH_SANDBOX on) before the request is signed, so OAuth signatures cover
the URL really requested. mounted() swaps the transport of every XSession at once (x_sandbox).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import BaseAdapter
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


# Transport adapters every XSession uses, whenever it was made (sessions live in thread-locals
# and on long-lived clients): the x_sandbox test fixture serves X from the sandbox in-process.
_mounted: dict[str, BaseAdapter] = {}


@contextmanager
def mounted(adapter: BaseAdapter, *prefixes: str) -> Iterator[None]:
    """While active, every XSession sends requests to URLs under `prefixes` through `adapter`."""
    taken = [prefix for prefix in prefixes if prefix in _mounted]
    if taken:
        raise RuntimeError(f"An adapter is already mounted for {taken}.")
    _mounted.update(dict.fromkeys(prefixes, adapter))
    try:
        yield
    finally:
        for prefix in prefixes:
            _mounted.pop(prefix, None)


class RoutedMixin:
    default_timeout: float | None = None

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout or conf.request_timeout()
        return super().request(method, route(url), *args, **kwargs)  # type: ignore[misc]

    def get_adapter(self, url: str) -> BaseAdapter:
        if _mounted:
            for prefix in sorted(_mounted, key=len, reverse=True):
                if url.lower().startswith(prefix.lower()):
                    return _mounted[prefix]
        adapter: BaseAdapter = super().get_adapter(url)  # type: ignore[misc]
        return adapter


class XSession(RoutedMixin, requests.Session):
    def __init__(self, *, timeout: float | None = None) -> None:
        super().__init__()
        self.default_timeout = timeout


class XOAuth1Session(RoutedMixin, OAuth1Session):  # type: ignore[misc]
    pass
