"""X's OAuth 2.0 token endpoint in X's formats (X_FACTS.md), and OAuth 2.0 bot accounts."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qsl, unquote

import responses
from django.utils import timezone

from botauth.models import BotAccount

TOKEN_URL = "https://api.x.com/2/oauth2/token"
CLIENT_ID = "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ"
CLIENT_SECRET = "kd82Kdn3-CqkaSAmC7nXb2TT-pR9Bo5o_mQ4TqU2FeXbYqqFr6"
USER_ID = "1072250532645998596"
USERNAME = "TweepyDev"
SCOPES = "tweet.read tweet.write users.read offline.access media.write"
INVALID_TOKEN = {
    "error": "invalid_request",
    "error_description": "Value passed for the token was invalid.",
}
INVALID_GRANT = {
    "error": "invalid_grant",
    "error_description": "Value passed for the token was invalid.",
}
MISSING_AUTHORIZATION = {
    "error": "unauthorized_client",
    "error_description": "Missing valid authorization header",
}
UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}


def x_token(n: int) -> str:
    # X's tokens: base64 of "<random>:<unix ms>:1:0:at|rt:1", no padding.
    raw = f"bm90LXJlYWxseS1yYW5kb20tdG9rZW4tbnVtYmVyLXt7{n:04d}:1732390000000:1:0:at:1"
    return base64.b64encode(raw.encode()).decode().rstrip("=")


def access(n: int) -> str:
    return "A" + x_token(n)


def refresh(n: int) -> str:
    return "R" + x_token(n)


def answer(n: int, *, expires_in: int = 7200, scope: str = SCOPES) -> dict[str, object]:
    """X's answer to a refresh: RFC 6749 5.1 in X's order, token_type "bearer"."""
    return {
        "token_type": "bearer",
        "expires_in": expires_in,
        "access_token": access(n),
        "scope": scope,
        "refresh_token": refresh(n),
    }


def check_answer_shape(body: dict[str, object]) -> None:
    """What every client of X's token endpoint reads (X's spec declares no schema for it)."""
    assert body["token_type"] == "bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    assert isinstance(body["access_token"], str) and body["access_token"]
    assert isinstance(body["scope"], str)
    assert set(body) <= {"token_type", "expires_in", "access_token", "scope", "refresh_token"}


def check_oauth_error(body: dict[str, object]) -> None:
    assert set(body) == {"error", "error_description"}, body
    assert body["error"] in {
        "invalid_request",
        "invalid_grant",
        "invalid_client",
        "unauthorized_client",
        "unsupported_grant_type",
    }


def form(request: object) -> dict[str, str]:
    return dict(parse_qsl(getattr(request, "body", "") or ""))


def basic_of(request: object) -> tuple[str, str]:
    header = getattr(request, "headers", {})["Authorization"]
    scheme, _, encoded = header.partition(" ")
    assert scheme == "Basic"
    client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    return unquote(client_id), unquote(secret)


class TokenX:
    """X's token endpoint for `responses`: single-use refresh tokens, rotated 1, 2, 3, ...

    `valid` is the refresh token X accepts now; any other gets 400 invalid_request.
    """

    def __init__(self, rsps: responses.RequestsMock, *, valid: str, first: int = 1) -> None:
        self.valid = valid
        self.numbers = itertools.count(first)
        self.refreshes = 0
        self.refused = 0
        self.before_answer: Callable[[], None] = lambda: None
        rsps.add_callback("POST", TOKEN_URL, callback=self._token)

    def _token(self, request: object) -> tuple[int, dict[str, str], str]:
        sent = form(request).get("refresh_token", "")
        self.before_answer()
        if sent != self.valid:
            self.refused += 1
            return 400, {"Content-Type": "application/json"}, json.dumps(INVALID_TOKEN)
        self.refreshes += 1
        body = answer(next(self.numbers))
        check_answer_shape(body)
        self.valid = str(body["refresh_token"])
        return 200, {"Content-Type": "application/json;charset=UTF-8"}, json.dumps(body)


def oauth2_bot(
    name: str = "o2bot",
    *,
    n: int = 0,
    expires_in: timedelta = timedelta(hours=2),
    refreshed_ago: timedelta | None = None,
    status: str = BotAccount.Status.LINKED,
    user_id: str = USER_ID,
) -> BotAccount:
    """An account linked with OAuth 2.0 holding pair number `n`, expiring in `expires_in`."""
    now = timezone.now()
    return BotAccount.objects.create(
        name=name,
        status=status,
        protocol=BotAccount.Protocol.OAUTH2,
        twitter_access_token=access(n),
        twitter_refresh_token=refresh(n),
        token_expires_at=now + expires_in,
        token_refreshed_at=now - refreshed_ago if refreshed_ago is not None else None,
        scopes=SCOPES,
        twitter_user_id=user_id,
        twitter_username=USERNAME,
        linked_at=now - timedelta(days=1),
    )
