from __future__ import annotations

import string

from botauth_sandbox.keys import derive_consumer

ALPHANUMERIC = set(string.ascii_letters + string.digits)


def test_derive_consumer_is_stable_for_a_secret_key():
    assert derive_consumer("one-secret") == derive_consumer("one-secret")


def test_derive_consumer_differs_per_secret_key():
    assert derive_consumer("one-secret") != derive_consumer("another-secret")


def test_derive_consumer_gives_x_shaped_alphanumeric_credentials():
    key, secret = derive_consumer("one-secret")

    assert (len(key), len(secret)) == (25, 50)
    assert set(key + secret) <= ALPHANUMERIC
    assert not secret.startswith(key)
