"""The requests auth an OAuth 2.0 bot's client sends: its user token, always fresh.

Before a request it checks the expiry it holds in memory (no database query while the token is
fresh) and, when the token is about to expire, gets a fresh one from refresh.py: the one another
worker already stored, or one it refreshes at X. On a 401 it asks once more, in case the token was
retired early, and re-sends the request once with the new token.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import requests
from django.views.decorators.debug import sensitive_variables
from requests.auth import AuthBase

from botauth import refresh

RETRIED = "_botauth_retried"


class _Bot:
    """What this process's clients of one bot share: one of them asks refresh.py at a time, and
    the others holding the token it replaced take the new one instead of each asking again."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # (the token replaced, what replaced it)
        self.latest: tuple[str, refresh.Current] | None = None


_bots: dict[int, _Bot] = {}
_bots_guard = threading.Lock()


def _bot(pk: int) -> _Bot:
    with _bots_guard:
        return _bots.setdefault(pk, _Bot())


class OAuth2UserAuth(AuthBase):
    """Bearer auth acting as one OAuth 2.0 bot account; safe to share between threads."""

    _state: tuple[str, float]

    @sensitive_variables()
    def __init__(self, *, pk: int, name: str, current: refresh.Current, margin: timedelta) -> None:
        self.pk = pk
        self.name = name
        self.margin = margin
        self._bot = _bot(pk)
        self._adopt(current)

    def __repr__(self) -> str:
        return f"<OAuth2UserAuth bot={self.name!r}>"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        request.register_hook("response", self._on_response)  # type: ignore[no-untyped-call]
        return request

    @sensitive_variables()
    def token(self) -> str:
        """The access token to send now, refreshed first when it expires within the margin."""
        token, fresh_until = self._state
        if time.time() < fresh_until:
            return token
        bot = self._bot
        with bot.lock:
            # Another client of this bot in this process may have replaced this token meanwhile.
            if bot.latest is not None and bot.latest[0] == self._state[0]:
                self._adopt(bot.latest[1])
            token, fresh_until = self._state
            if time.time() >= fresh_until:
                current = refresh.ensure_fresh(pk=self.pk, held=token, margin=self.margin)
                bot.latest = (token, current)
                self._adopt(current)
            return self._state[0]

    @sensitive_variables()
    def _on_response(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        sent = response.request
        if response.status_code != 401 or getattr(sent, RETRIED, False):
            return response
        used = str(sent.headers.get("Authorization", "")).removeprefix("Bearer ")
        with self._bot.lock:
            current = refresh.ensure_fresh(pk=self.pk, held=used, margin=self.margin, rejected=True)
            self._bot.latest = (used, current)
            self._adopt(current)
        if current.access_token == used or not isinstance(sent.body, bytes | str | None):
            return response  # a refresh cannot cure it, or the body cannot be sent again
        response.content  # noqa: B018 (read it, so that the connection goes back to the pool)
        response.close()
        retry = sent.copy()
        retry.headers["Authorization"] = f"Bearer {current.access_token}"
        setattr(retry, RETRIED, True)
        # The hooks after this one run on the answer this returns; running them on the retry
        # too would show them the one request twice.
        retry.hooks = {"response": []}
        again: requests.Response = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again

    def _adopt(self, current: refresh.Current) -> None:
        expires = current.expires_at
        fresh_until = float("inf") if expires is None else expires.timestamp()
        # One tuple, replaced whole: a thread reading it without the lock sees a matching pair.
        self._state = (current.access_token, fresh_until - self.margin.total_seconds())
