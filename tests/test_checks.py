from __future__ import annotations

import pytest
from django.core.checks import Error, Warning

from botauth.checks import check_settings

GOOD_KEY = "bXN1LXRlc3Qta2V5LTAwMDAwMDAwMDAwMDAwMDAwMDA="


def ids(messages) -> list[str]:
    return [m.id for m in messages]


def test_good_settings_give_no_messages(settings):
    settings.BOTAUTH_CALLBACK_URL = "https://bots.example.com/botauth/callback/"
    assert check_settings() == []


def test_unset_callback_url_is_fine(settings):
    settings.BOTAUTH_CALLBACK_URL = ""
    assert check_settings() == []


@pytest.mark.parametrize("name", ["TWITTER_CONSUMER_API_KEY", "TWITTER_CONSUMER_API_KEY_SECRET"])
def test_e001_missing_consumer_key_or_secret(settings, name):
    # Nothing is configured (E001), and the half-set pair says which half (E021).
    setattr(settings, name, "")
    messages = check_settings()
    assert ids(messages) == ["botauth.E001", "botauth.E021"]
    assert isinstance(messages[0], Error)
    assert messages[0].msg == (
        "No X app credentials: neither TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET (OAuth 2.0) "
        "nor TWITTER_CONSUMER_API_KEY and TWITTER_CONSUMER_API_KEY_SECRET (OAuth 1.0a) are both "
        "set."
    )
    assert "developer portal" in messages[0].hint


def test_e001_consumer_keys_absent_from_settings(settings):
    del settings.TWITTER_CONSUMER_API_KEY
    del settings.TWITTER_CONSUMER_API_KEY_SECRET
    assert ids(check_settings()) == ["botauth.E001"]


@pytest.mark.parametrize("keys", [[], "", [" "]])
def test_e002_missing_encryption_keys(settings, keys):
    settings.BOTAUTH_ENCRYPTION_KEYS = keys
    messages = check_settings()
    assert ids(messages) == ["botauth.E002"]
    assert messages[0].msg == "BOTAUTH_ENCRYPTION_KEYS is empty: tokens cannot be stored encrypted."
    assert "Fernet.generate_key()" in messages[0].hint


def test_e003_malformed_key_names_its_position(settings):
    settings.BOTAUTH_ENCRYPTION_KEYS = [GOOD_KEY, "not-a-fernet-key"]
    messages = check_settings()
    assert ids(messages) == ["botauth.E003"]
    assert isinstance(messages[0], Error)
    assert messages[0].msg.startswith("Key 2 of BOTAUTH_ENCRYPTION_KEYS is not a Fernet key")
    assert messages[0].hint == "Fix or remove that key."


def test_e003_malformed_key_in_comma_separated_string(settings):
    settings.BOTAUTH_ENCRYPTION_KEYS = f"{GOOD_KEY},short"
    assert ids(check_settings()) == ["botauth.E003"]


@pytest.mark.parametrize("url", ["/botauth/callback/", "bots.example.com/botauth/callback/"])
def test_e004_callback_url_not_absolute(settings, url):
    settings.BOTAUTH_CALLBACK_URL = url
    messages = check_settings()
    assert ids(messages) == ["botauth.E004"]
    assert messages[0].msg == f"BOTAUTH_CALLBACK_URL {url!r} is not an absolute http(s) URL."
    assert "developer portal" in messages[0].hint


@pytest.mark.parametrize("value", ["Strict", "strict"])
def test_w001_strict_session_cookie(settings, value):
    settings.SESSION_COOKIE_SAMESITE = value
    messages = check_settings()
    assert ids(messages) == ["botauth.W001"]
    assert isinstance(messages[0], Warning)
    assert messages[0].hint == "Use 'Lax' (Django's default)."


@pytest.mark.parametrize("value", ["Lax", "None", False])
def test_other_samesite_values_are_fine(settings, value):
    settings.SESSION_COOKIE_SAMESITE = value
    assert check_settings() == []


def test_every_problem_is_reported_at_once(settings):
    settings.TWITTER_CONSUMER_API_KEY = ""
    settings.BOTAUTH_ENCRYPTION_KEYS = []
    settings.BOTAUTH_CALLBACK_URL = "/callback/"
    settings.SESSION_COOKIE_SAMESITE = "Strict"
    assert ids(check_settings()) == [
        "botauth.E001",
        "botauth.E021",
        "botauth.E002",
        "botauth.E004",
        "botauth.W001",
    ]


def test_check_is_registered(settings):
    from django.core import checks

    settings.BOTAUTH_ENCRYPTION_KEYS = []
    assert "botauth.E002" in ids(checks.run_checks())
