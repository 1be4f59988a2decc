"""Consumer credentials derived from SECRET_KEY; botauth.conf imports it, so no Django here."""

from __future__ import annotations

import hashlib
import hmac
import string

ALPHABET = string.digits + string.ascii_letters
KEY_LENGTH = 25
SECRET_LENGTH = 50


def derive_consumer(secret_key: str) -> tuple[str, str]:
    """Return a stable (consumer key, consumer secret) pair for this SECRET_KEY."""
    return (
        _derive(secret_key, "consumer-key", KEY_LENGTH),
        _derive(secret_key, "consumer-secret", SECRET_LENGTH),
    )


def _derive(secret_key: str, purpose: str, length: int) -> str:
    digest = hmac.new(
        secret_key.encode(), f"botauth.sandbox.{purpose}".encode(), hashlib.sha512
    ).digest()
    number = int.from_bytes(digest, "big")
    chars: list[str] = []
    while len(chars) < length:
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)
