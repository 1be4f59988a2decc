"""What the flow API needs from each protocol module (oauth1.py; oauth2.py next to it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.http import QueryDict

from botauth.oauth import AccessGrant


@dataclass(frozen=True)
class Started:
    """A flow X agreed to start: where to send the person, and what to keep until they return.

    ``key`` identifies the flow in X's callback (OAuth 1.0a's request token, OAuth 2.0's
    ``state``); ``secret`` is what finishing it needs and is stored encrypted (the request
    token's secret, the PKCE code verifier).
    """

    url: str
    key: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class Answer:
    """X's callback, parsed: the flow it names, and either a cancellation or a code to exchange."""

    key: str
    cancelled: bool = False
    code: str = field(default="", repr=False)


class LinkProtocol(Protocol):
    NAME: str

    def parse(self, query: QueryDict) -> Answer: ...

    def start(self, *, callback: str, screen_name: str) -> Started: ...

    # ``callback`` is the redirect URI the flow started with (OAuth 2.0 sends it again).
    def exchange(self, *, key: str, secret: str, code: str, callback: str) -> AccessGrant: ...

    # ``secret``: OAuth 1.0a's access token secret, OAuth 2.0's refresh token.
    def revoke(self, *, token: str, secret: str) -> None: ...

    def identify(self, *, token: str, secret: str) -> AccessGrant: ...
