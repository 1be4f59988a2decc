"""Binding a pending flow to the browser session that started it.

A random value is kept in the session and only its SHA-256 on the account, so neither the
database nor the admin holds what the browser must show. A flow started without a session (the
PIN command, a test or a script) is not bound, and any caller that is its user may finish it.
A value outlives its flow in the session, harmlessly: the account's digest is gone or replaced,
and the next flow for that account from this session overwrites it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any

from botauth.models import BotAccount

SESSION_KEY = "botauth_link_nonces"

Session = MutableMapping[str, Any]


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def bind(session: Session | None, account: BotAccount) -> str:
    """Keep a new value in the session for this account's next flow; return its digest."""
    if session is None:
        return ""
    nonce = secrets.token_urlsafe(32)
    # Reassigned, not changed in place, so that the session knows to save itself.
    session[SESSION_KEY] = {**session.get(SESSION_KEY, {}), str(account.pk): nonce}
    return _digest(nonce)


def bound_here(session: Session | None, account: BotAccount) -> bool:
    if not account.link_session_hash:
        return True
    nonce = (session or {}).get(SESSION_KEY, {}).get(str(account.pk), "")
    return bool(nonce) and hmac.compare_digest(_digest(nonce), account.link_session_hash)
