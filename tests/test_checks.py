from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.checks import Error, Warning
from django.utils import translation

from botauth.checks import (
    check_callback_url_deploy,
    check_exception_reporter_filter,
    check_settings,
)
from botauth.reporting import ExceptionReporterFilter
from tests.helpers import ids

GOOD_KEY = "bXN1LXRlc3Qta2V5LTAwMDAwMDAwMDAwMDAwMDAwMDA="


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
    assert "developer portal" in (messages[0].hint or "")


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
    assert "Fernet.generate_key()" in (messages[0].hint or "")


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
    assert "developer portal" in (messages[0].hint or "")


def test_check_messages_speak_the_readers_language(settings):
    settings.BOTAUTH_CALLBACK_URL = "bots.example.com/callback/"
    with translation.override("de"):
        messages = check_settings()
    assert ids(messages) == ["botauth.E004"]
    assert messages[0].msg == (
        "BOTAUTH_CALLBACK_URL 'bots.example.com/callback/' ist keine absolute http(s)-URL."
    )
    assert messages[0].hint == (
        "Setzen Sie sie genau auf die Callback-URL, die im Developer Portal von X eingetragen ist."
    )


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


def test_check_is_registered(settings, db):  # model checks may ask the database
    from django.core import checks

    settings.BOTAUTH_ENCRYPTION_KEYS = []
    assert "botauth.E002" in ids(checks.run_checks())


def test_each_concern_is_registered_with_its_tags():
    from django.core.checks.registry import registry

    from botauth import checks
    from botauth_sandbox import checks as sandbox_checks

    registered: dict[object, set[str]] = {check: set(check.tags) for check in registry.get_checks()}
    deploy: dict[object, set[str]] = {
        check: set(check.tags) for check in registry.get_checks(include_deployment_checks=True)
    }
    assert registered[checks.check_sandbox] == {"botauth"}
    assert registered[checks.check_credentials] == {"botauth"}
    assert registered[checks.check_oauth2_scopes] == {"botauth"}
    assert registered[checks.check_encryption_keys] == {"botauth", "security"}
    assert registered[checks.check_callback_url] == {"botauth"}
    assert registered[checks.check_session_cookie] == {"botauth"}
    assert registered[checks.check_exception_reporter_filter] == {"botauth", "security"}
    assert checks.check_callback_url_deploy not in registered
    assert deploy[checks.check_callback_url_deploy] == {"botauth", "security"}
    assert sandbox_checks.check_not_in_production not in registered
    assert deploy[sandbox_checks.check_not_in_production] == {"botauth", "security"}
    # The aggregate is a convenience for callers, not a second registration of each concern.
    assert checks.check_settings not in deploy


def test_the_botauth_tag_runs_botauths_checks_alone(settings):
    from django.core import checks

    settings.BOTAUTH_ENCRYPTION_KEYS = []
    settings.TWITTER_CONSUMER_API_KEY = ""
    settings.DEBUG = False
    # E021: the consumer pair is half set (its secret is still there).
    assert sorted(map(str, ids(checks.run_checks(tags=["botauth"])))) == [
        "botauth.E001",
        "botauth.E002",
        "botauth.E021",
    ]
    security = map(str, ids(checks.run_checks(tags=["security"], include_deployment_checks=True)))
    assert sorted(i for i in security if i.startswith("botauth")) == [
        "botauth.E002",
        "botauth.W011",
        "botauth_sandbox.E001",
    ]


def test_importing_the_checks_registers_nothing():
    # Registration happens in BotauthConfig.ready(), not as a side effect of an import.
    probe = (
        "from django.conf import settings; settings.configure();"
        "from django.core.checks.registry import registry;"
        "before = registry.get_checks(include_deployment_checks=True);"
        "import botauth.checks, botauth_sandbox.checks;"
        "assert registry.get_checks(include_deployment_checks=True) == before, 'registered';"
        "print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.stdout, result.stderr) == ("ok\n", "")


# botauth.W010: the exception-reporter filter


def test_w010_not_when_botauths_filter_is_the_default(settings):
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = "botauth.reporting.ExceptionReporterFilter"
    assert check_exception_reporter_filter() == []


def test_w010_not_for_a_subclass(settings):
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = "tests.test_checks.ProjectFilter"
    assert check_exception_reporter_filter() == []


@pytest.mark.parametrize(
    "path", ["django.views.debug.SafeExceptionReporterFilter", "tests.test_checks.NoSuchFilter"]
)
def test_w010_when_the_default_filter_is_not_botauths(settings, path):
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = path
    messages = check_exception_reporter_filter()
    assert ids(messages) == ["botauth.W010"]
    assert isinstance(messages[0], Warning)
    assert messages[0].hint == (
        "Set DEFAULT_EXCEPTION_REPORTER_FILTER = 'botauth.reporting.ExceptionReporterFilter' "
        "(or a subclass of it)."
    )


# botauth.W011: the callback URL in production (a deploy check)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "BOTAUTH_CALLBACK_URL is not set"),
        ("http://bots.example.com/botauth/callback/", "is not https"),
    ],
)
def test_w011_callback_url_unset_or_not_https_with_debug_off(settings, url, says):
    settings.DEBUG = False
    settings.BOTAUTH_CALLBACK_URL = url
    messages = check_callback_url_deploy()
    assert ids(messages) == ["botauth.W011"]
    assert isinstance(messages[0], Warning)
    assert says in messages[0].msg
    assert "https callback URL registered in the X developer portal" in (messages[0].hint or "")


def test_w011_https_callback_is_fine(settings):
    settings.DEBUG = False
    settings.BOTAUTH_CALLBACK_URL = "https://bots.example.com/botauth/callback/"
    assert check_callback_url_deploy() == []


def test_w011_not_while_debugging(settings):
    settings.DEBUG = True
    settings.BOTAUTH_CALLBACK_URL = ""
    assert check_callback_url_deploy() == []


def test_w011_runs_only_with_deploy(settings, db):  # model checks may ask the database
    from django.core import checks

    settings.DEBUG = False
    settings.BOTAUTH_CALLBACK_URL = ""
    assert "botauth.W011" not in ids(checks.run_checks())
    assert "botauth.W011" in ids(checks.run_checks(include_deployment_checks=True))


class ProjectFilter(ExceptionReporterFilter):
    pass
