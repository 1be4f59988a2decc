"""BOTAUTH_SANDBOX: the one setting, read by botauth at call time, that puts it on the sandbox,
and the checks (E005-E007, the sandbox's deploy check) that keep it where it belongs."""

from __future__ import annotations

import pytest
from django.core.checks import Error
from django.utils import translation

from botauth import conf
from botauth.checks import check_sandbox, check_settings
from botauth.exceptions import BotauthConfigurationError
from botauth_sandbox import checks as sandbox_checks
from botauth_sandbox.keys import derive_consumer
from tests.helpers import ids


@pytest.fixture
def sandbox_on(settings):
    settings.BOTAUTH_SANDBOX = True
    settings.BOTAUTH_X_API_URL = ""
    settings.TWITTER_CONSUMER_API_KEY = ""
    settings.TWITTER_CONSUMER_API_KEY_SECRET = ""
    return settings


@pytest.mark.parametrize("value", [False, None, "true", "false", 1])
def test_only_true_turns_the_sandbox_on(settings, value):
    settings.BOTAUTH_SANDBOX = value
    assert conf.sandbox_enabled() is False


def test_absent_setting_is_off(settings):
    del settings.BOTAUTH_SANDBOX
    assert conf.sandbox_enabled() is False


def test_sandbox_url_defaults_to_the_development_server(sandbox_on):
    assert conf.sandbox_enabled() is True
    assert conf.api_url() == "http://127.0.0.1:8000/sandbox"


def test_sandbox_url_setting_moves_it(sandbox_on):
    sandbox_on.BOTAUTH_SANDBOX_URL = "http://127.0.0.1:8123/fake-x/"
    assert conf.api_url() == "http://127.0.0.1:8123/fake-x"


def test_x_api_url_wins_over_the_sandbox_url(sandbox_on):
    sandbox_on.BOTAUTH_SANDBOX_URL = "http://127.0.0.1:8123/fake-x"
    sandbox_on.BOTAUTH_X_API_URL = "http://proxy.test"
    assert conf.api_url() == "http://proxy.test"


def test_sandbox_url_is_ignored_while_the_sandbox_is_off(settings):
    settings.BOTAUTH_SANDBOX = False
    settings.BOTAUTH_X_API_URL = ""
    settings.BOTAUTH_SANDBOX_URL = "http://127.0.0.1:8123/fake-x"
    assert conf.api_url() == "https://api.twitter.com"


def test_consumer_pair_is_derived_from_secret_key_at_call_time(sandbox_on):
    sandbox_on.SECRET_KEY = "first-secret-key"
    first = conf.consumer_credentials()
    sandbox_on.SECRET_KEY = "second-secret-key"

    assert first == derive_consumer("first-secret-key")
    assert conf.consumer_credentials() == derive_consumer("second-secret-key")
    assert conf.sandbox_consumer() == derive_consumer("second-secret-key")


def test_x_keys_are_kept_with_the_sandbox_on(sandbox_on):
    sandbox_on.TWITTER_CONSUMER_API_KEY = "real-key"
    sandbox_on.TWITTER_CONSUMER_API_KEY_SECRET = "real-secret"

    assert conf.consumer_credentials() == ("real-key", "real-secret")
    assert conf.sandbox_consumer() is None


def test_half_a_pair_is_not_completed_by_the_sandbox(sandbox_on):
    sandbox_on.TWITTER_CONSUMER_API_KEY = "real-key"

    with pytest.raises(BotauthConfigurationError, match="Set TWITTER_CONSUMER_API_KEY and"):
        conf.consumer_credentials()


def test_nothing_is_derived_while_the_sandbox_is_off(settings):
    settings.BOTAUTH_SANDBOX = False
    settings.TWITTER_CONSUMER_API_KEY = ""
    settings.TWITTER_CONSUMER_API_KEY_SECRET = ""

    assert conf.sandbox_consumer() is None
    with pytest.raises(BotauthConfigurationError):
        conf.consumer_credentials()


def test_e001_hint_names_the_sandbox_setting(settings):
    settings.TWITTER_CONSUMER_API_KEY = ""
    assert "BOTAUTH_SANDBOX = True" in (check_settings()[0].hint or "")


def test_sandbox_on_without_x_keys_needs_none(sandbox_on):
    assert check_settings() == []
    assert check_sandbox() == []


def test_e005_sandbox_on_without_the_app(sandbox_on, monkeypatch):
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "botauth_sandbox" and real(name))
    messages = check_sandbox()
    assert ids(messages) == ["botauth.E005"]
    assert isinstance(messages[0], Error)
    assert messages[0].msg == (
        "BOTAUTH_SANDBOX is on, but the botauth_sandbox app is not installed."
    )
    assert messages[0].hint == (
        'Add "botauth_sandbox" to INSTALLED_APPS (pip install "django-botauth[sandbox]"), '
        "or set BOTAUTH_SANDBOX = False."
    )


def test_sandbox_check_is_registered(settings, db):  # model checks may ask the database
    from django.core import checks

    settings.BOTAUTH_SANDBOX = "yes"
    assert "botauth.E007" in ids(checks.run_checks())


def test_e006_sandbox_on_without_its_urls(sandbox_on):
    sandbox_on.ROOT_URLCONF = "tests.urls_without_sandbox"
    messages = check_sandbox()
    assert ids(messages) == ["botauth.E006"]
    assert messages[0].msg == "BOTAUTH_SANDBOX is on, but the sandbox's URLs are not included."
    assert 'path("sandbox/", include("botauth_sandbox.urls"))' in (messages[0].hint or "")


def test_sandbox_off_needs_neither_app_nor_urls(settings):
    settings.BOTAUTH_SANDBOX = False
    settings.ROOT_URLCONF = "tests.urls_without_sandbox"
    assert check_sandbox() == []


@pytest.mark.parametrize("value", ["true", "False", 1])
def test_e007_sandbox_setting_not_a_bool(settings, value):
    settings.BOTAUTH_SANDBOX = value
    messages = check_sandbox()
    assert ids(messages) == ["botauth.E007"]
    assert messages[0].msg == f"BOTAUTH_SANDBOX must be True or False, not {value!r}."


def deploy_ids() -> list[str | None]:
    from django.core import checks

    return ids(checks.run_checks(include_deployment_checks=True, tags=["security"]))


def test_deploy_check_fails_with_the_sandbox_installed_and_debug_off(settings, db):
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
    assert "remove 'botauth_sandbox' from INSTALLED_APPS" in (messages[0].hint or "")


def test_the_sandbox_check_speaks_the_readers_language(settings):
    settings.DEBUG = False
    with translation.override("de"):
        [message] = sandbox_checks.check_not_in_production()
    assert message.id == "botauth_sandbox.E001"
    assert message.msg == (
        "Die X-Sandbox (botauth_sandbox) ist installiert, während DEBUG ausgeschaltet ist."
    )
    assert "Entfernen Sie 'botauth_sandbox' aus INSTALLED_APPS" in (message.hint or "")


def test_deploy_check_is_quiet_while_debugging(settings):
    settings.DEBUG = True
    assert "botauth_sandbox.E001" not in deploy_ids()


def test_sandbox_check_is_a_deploy_check_only(settings, db):  # model checks may ask the database
    from django.core import checks

    settings.DEBUG = False
    assert "botauth_sandbox.E001" not in ids(checks.run_checks())
