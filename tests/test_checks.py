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
    setattr(settings, name, "")
    messages = check_settings()
    assert ids(messages) == ["botauth.E001"]
    assert isinstance(messages[0], Error)
    assert messages[0].msg == (
        "TWITTER_CONSUMER_API_KEY and TWITTER_CONSUMER_API_KEY_SECRET are not both set."
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
    assert ids(check_settings()) == ["botauth.E001", "botauth.E002", "botauth.E004", "botauth.W001"]


def test_check_is_registered(settings):
    from django.core import checks

    settings.BOTAUTH_ENCRYPTION_KEYS = []
    assert "botauth.E002" in ids(checks.run_checks())


@pytest.fixture
def sandbox_on(settings):
    settings.BOTAUTH_SANDBOX = True
    settings.TWITTER_CONSUMER_API_KEY = ""
    settings.TWITTER_CONSUMER_API_KEY_SECRET = ""
    return settings


def test_e001_hint_names_the_sandbox_setting(settings):
    settings.TWITTER_CONSUMER_API_KEY = ""
    assert "BOTAUTH_SANDBOX = True" in check_settings()[0].hint


def test_sandbox_on_without_x_keys_needs_none(sandbox_on):
    assert check_settings() == []


def test_e005_sandbox_on_without_the_app(sandbox_on, monkeypatch):
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "botauth_sandbox" and real(name))
    messages = check_settings()
    assert ids(messages) == ["botauth.E005"]
    assert isinstance(messages[0], Error)
    assert messages[0].msg == (
        "BOTAUTH_SANDBOX is on, but the botauth_sandbox app is not installed."
    )
    assert messages[0].hint == (
        'Add "botauth_sandbox" to INSTALLED_APPS (pip install "django-botauth[sandbox]"), '
        "or set BOTAUTH_SANDBOX = False."
    )


def test_e006_sandbox_on_without_its_urls(sandbox_on):
    sandbox_on.ROOT_URLCONF = "tests.urls_without_sandbox"
    messages = check_settings()
    assert ids(messages) == ["botauth.E006"]
    assert messages[0].msg == "BOTAUTH_SANDBOX is on, but the sandbox's URLs are not included."
    assert 'path("sandbox/", include("botauth_sandbox.urls"))' in messages[0].hint


def test_sandbox_off_needs_neither_app_nor_urls(settings):
    settings.BOTAUTH_SANDBOX = False
    settings.ROOT_URLCONF = "tests.urls_without_sandbox"
    assert check_settings() == []


@pytest.mark.parametrize("value", ["true", "False", 1])
def test_e007_sandbox_setting_not_a_bool(settings, value):
    settings.BOTAUTH_SANDBOX = value
    messages = check_settings()
    assert ids(messages) == ["botauth.E007"]
    assert messages[0].msg == f"BOTAUTH_SANDBOX must be True or False, not {value!r}."


def deploy_ids() -> list[str]:
    from django.core import checks

    return ids(checks.run_checks(include_deployment_checks=True, tags=["security"]))


def test_deploy_check_fails_with_the_sandbox_installed_and_debug_off(settings):
    settings.DEBUG = False
    from django.core import checks

    messages = [
        m
        for m in checks.run_checks(include_deployment_checks=True)
        if m.id == "botauth_sandbox.E001"
    ]
    assert len(messages) == 1
    assert isinstance(messages[0], Error)
    assert messages[0].msg == "The X sandbox (botauth_sandbox) is installed while DEBUG is off."
    assert "remove 'botauth_sandbox' from INSTALLED_APPS" in messages[0].hint


def test_deploy_check_is_quiet_while_debugging(settings):
    settings.DEBUG = True
    assert "botauth_sandbox.E001" not in deploy_ids()


def test_sandbox_check_is_a_deploy_check_only(settings):
    from django.core import checks

    settings.DEBUG = False
    assert "botauth_sandbox.E001" not in ids(checks.run_checks())
