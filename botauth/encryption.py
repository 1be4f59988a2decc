"""Fernet encryption of stored tokens: the first key in BOTAUTH_ENCRYPTION_KEYS encrypts."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from botauth import conf
from botauth.exceptions import BotauthConfigurationError, DecryptionError


@lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except (ValueError, TypeError) as err:
            raise BotauthConfigurationError(
                _(
                    "Key %(position)d of BOTAUTH_ENCRYPTION_KEYS is not a Fernet key (32 url-safe "
                    "base64-encoded bytes). Generate one with Fernet.generate_key()."
                )
                % {"position": position}
            ) from err
    return MultiFernet(fernets)


@sensitive_variables()
def multi_fernet() -> MultiFernet:
    keys = tuple(conf.encryption_keys())
    if not keys:
        raise BotauthConfigurationError(
            _(
                "Set BOTAUTH_ENCRYPTION_KEYS to one or more comma-separated Fernet keys; botauth "
                "stores every token encrypted and will not store or read one without a key."
            )
        )
    return _multi_fernet(keys)


@sensitive_variables()
def encrypt(plaintext: str) -> str:
    return multi_fernet().encrypt(plaintext.encode()).decode()


@sensitive_variables()
def decrypt(ciphertext: str) -> str:
    try:
        return multi_fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as err:
        raise DecryptionError(
            _(
                "A stored token cannot be decrypted with any key in BOTAUTH_ENCRYPTION_KEYS. If "
                "the keys were rotated, put the old key back after the new one."
            )
        ) from err
