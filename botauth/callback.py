"""Kept for imports: the OAuth 1.0a callback parser lives in botauth.flows.oauth1."""

from __future__ import annotations

from botauth.flows.oauth1 import NAMES, TOKEN_RE, CallbackParams, parse_callback

__all__ = ["NAMES", "TOKEN_RE", "CallbackParams", "parse_callback"]
