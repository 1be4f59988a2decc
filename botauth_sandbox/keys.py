"""Consumer credentials derived from SECRET_KEY; imported by settings, so no Django here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import string

ALPHABET = string.digits + string.ascii_letters
KEY_LENGTH = 25
SECRET_LENGTH = 50
CLIENT_ID_RANDOM_LENGTH = 26


def derive_consumer(secret_key: str) -> tuple[str, str]:
    """Return a stable (consumer key, consumer secret) pair for this SECRET_KEY."""
    return (
        _derive(secret_key, "consumer-key", KEY_LENGTH),
        _derive(secret_key, "consumer-secret", SECRET_LENGTH),
    )


def derive_oauth2_client(secret_key: str) -> tuple[str, str]:
    """Return a stable (Client ID, Client Secret) pair for this SECRET_KEY, shaped like X's."""
    random_part = _derive(secret_key, "oauth2-client-id", CLIENT_ID_RANDOM_LENGTH)
    client_id = base64.b64encode(f"{random_part}:1:ci".encode()).decode().rstrip("=")
    return client_id, _derive(secret_key, "oauth2-client-secret", SECRET_LENGTH)


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
