"""BOTAUTH_SANDBOX: the one setting, read by botauth at call time, that puts it on the sandbox."""

from __future__ import annotations

import pytest

from botauth import conf
from botauth.exceptions import BotauthConfigurationError
from botauth_sandbox.keys import derive_consumer


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
