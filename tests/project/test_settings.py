"""project/settings.py as a fresh process sees it: the sandbox switch and start-up refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.helpers import ROOT

KEY = "bXN1LXRlc3Qta2V5LTAwMDAwMDAwMDAwMDAwMDAwMDA="
PROBE = """
import json, sys, django
django.setup()
from django.core.checks import run_checks
from django.apps import apps
from django.urls import Resolver404, resolve
from botauth import conf
from botauth.exceptions import BotauthConfigurationError
from django.conf import settings
try:
    resolve("/sandbox/oauth/request_token")
    sandbox_url = True
except Resolver404:
    sandbox_url = False
try:
    consumer_key = conf.consumer_credentials()[0]
except BotauthConfigurationError:
    consumer_key = ""
check_ids = sorted(message.id for message in run_checks())
print(json.dumps({
    "sandbox_imported": any(name.startswith("botauth_sandbox") for name in sys.modules),
    "check_ids": check_ids,
    "sandbox_app": apps.is_installed("botauth_sandbox"),
    "sandbox_url": sandbox_url,
    "sandbox": conf.sandbox_enabled(),
    "x_api_url": conf.api_url(),
    "consumer_key": consumer_key,
    "exception_reporter_filter": settings.DEFAULT_EXCEPTION_REPORTER_FILTER,
}))
"""


def run_settings(probe: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    # PROBE read when called: tests/project/test_oauth2_settings.py extends it.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BOTAUTH_"))}
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "SECRET_KEY": "settings-test-secret",
            "TWITTER_CONSUMER_API_KEY": "",
            "TWITTER_CONSUMER_API_KEY_SECRET": "",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-c", probe or PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sandbox_is_off_and_unreachable_by_default():
    result = run_settings(DEBUG="true", BOTAUTH_ENCRYPTION_KEYS=KEY)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "sandbox_imported": False,
        "check_ids": ["botauth.E001"],
        "sandbox_app": False,
        "sandbox_url": False,
        "sandbox": False,
        "x_api_url": "https://api.twitter.com",
        "consumer_key": "",
        "exception_reporter_filter": "botauth.reporting.ExceptionReporterFilter",
    }


def test_sandbox_on_routes_x_traffic_and_derives_consumer_keys():
    result = run_settings(DEBUG="true", BOTAUTH_ENCRYPTION_KEYS=KEY, BOTAUTH_SANDBOX="true")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["sandbox_app"] is True
    assert seen["sandbox_url"] is True
    assert seen["sandbox"] is True
    assert seen["x_api_url"] == "http://127.0.0.1:8000/sandbox"
    assert len(seen["consumer_key"]) == 25
    assert seen["check_ids"] == []


def test_sandbox_url_comes_from_the_environment():
    result = run_settings(
        DEBUG="true",
        BOTAUTH_ENCRYPTION_KEYS=KEY,
        BOTAUTH_SANDBOX="true",
        BOTAUTH_SANDBOX_URL="http://127.0.0.1:8123/sandbox",
    )
    assert json.loads(result.stdout)["x_api_url"] == "http://127.0.0.1:8123/sandbox"


def test_x_api_url_comes_from_the_environment_without_the_sandbox():
    result = run_settings(
        DEBUG="false",
        BOTAUTH_ENCRYPTION_KEYS=KEY,
        BOTAUTH_X_API_URL="http://127.0.0.1:8123/sandbox",
        TWITTER_CONSUMER_API_KEY="real-key",
        TWITTER_CONSUMER_API_KEY_SECRET="real-secret",
    )
    seen = json.loads(result.stdout)
    assert (seen["sandbox"], seen["sandbox_app"]) == (False, False)
    assert seen["x_api_url"] == "http://127.0.0.1:8123/sandbox"


def test_sandbox_keeps_real_consumer_keys_when_given():
    result = run_settings(
        DEBUG="true",
        BOTAUTH_ENCRYPTION_KEYS=KEY,
        BOTAUTH_SANDBOX="true",
        TWITTER_CONSUMER_API_KEY="real-key",
        TWITTER_CONSUMER_API_KEY_SECRET="real-secret",
    )
    assert json.loads(result.stdout)["consumer_key"] == "real-key"


def test_production_without_encryption_keys_refuses_to_start():
    result = run_settings(DEBUG="false", BOTAUTH_ENCRYPTION_KEYS="")
    assert result.returncode == 1
    assert "ImproperlyConfigured: Set BOTAUTH_ENCRYPTION_KEYS" in result.stderr


def test_missing_secret_key_refuses_to_start():
    result = run_settings(DEBUG="true", SECRET_KEY="")
    assert result.returncode == 1
    assert "Set SECRET_KEY" in result.stderr


def test_auto_sandbox_is_on_while_developing_without_x_keys():
    result = run_settings(DEBUG="true", BOTAUTH_ENCRYPTION_KEYS=KEY, BOTAUTH_SANDBOX="auto")
    assert json.loads(result.stdout)["sandbox_app"] is True


def test_auto_sandbox_is_off_with_x_keys():
    result = run_settings(
        DEBUG="true",
        BOTAUTH_ENCRYPTION_KEYS=KEY,
        BOTAUTH_SANDBOX="auto",
        TWITTER_CONSUMER_API_KEY="real-key",
        TWITTER_CONSUMER_API_KEY_SECRET="real-secret",
    )
    seen = json.loads(result.stdout)
    assert (seen["sandbox_app"], seen["x_api_url"]) == (False, "https://api.twitter.com")


def test_auto_sandbox_is_off_in_production():
    result = run_settings(DEBUG="false", BOTAUTH_ENCRYPTION_KEYS=KEY, BOTAUTH_SANDBOX="auto")
    seen = json.loads(result.stdout)
    assert (seen["sandbox"], seen["sandbox_app"]) == (False, False)


def test_sandbox_on_in_production_refuses_to_start():
    result = run_settings(DEBUG="false", BOTAUTH_ENCRYPTION_KEYS=KEY, BOTAUTH_SANDBOX="true")
    assert result.returncode == 1
    assert (
        "ImproperlyConfigured: BOTAUTH_SANDBOX is on while DEBUG is off: the sandbox is a fake X "
        "for development and tests, never for production." in result.stderr
    )


def test_production_sets_botauths_exception_reporter_filter():
    # Django's own filter would show tokens in an error report while DEBUG is on, and the
    # credentials in DATABASE_URL; botauth's hides them whatever DEBUG says (botauth.W010).
    result = run_settings(
        DEBUG="false",
        BOTAUTH_ENCRYPTION_KEYS=KEY,
        TWITTER_CONSUMER_API_KEY="real-key",
        TWITTER_CONSUMER_API_KEY_SECRET="real-secret",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["exception_reporter_filter"] == "botauth.reporting.ExceptionReporterFilter"
    assert "botauth.W010" not in seen["check_ids"]


LOGS = """
import logging, django
django.setup()
logging.getLogger("django.request").warning("Not Found: /nowhere/")
logging.getLogger("botauth").info("Linked bot account 'newsbot' to X account @twitterapi.")
logging.getLogger("botauth").debug("Verified bot account 'newsbot' (@twitterapi): valid")
logging.getLogger("django.server").info(
    '"GET /botauth/callback/?oauth_token=tok&oauth_verifier=VERIFIER123 HTTP/1.1" 302 0'
)
logging.getLogger("requests_oauthlib.oauth1_auth").warning(
    "Updated headers: {'Authorization': 'OAuth oauth_token=\\"ACCESS-TOKEN-123\\"'}"
)
"""


def test_the_dev_server_logs_each_line_once_with_secrets_redacted():
    result = run_settings(LOGS, DEBUG="true", BOTAUTH_ENCRYPTION_KEYS=KEY, LOG_LEVEL="WARNING")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "Not Found: /nowhere/"
    # botauth's INFO lines show whatever LOG_LEVEL says about the rest; its DEBUG lines do not.
    assert lines[1] == "Linked bot account 'newsbot' to X account @twitterapi."
    assert lines[2].endswith(
        '"GET /botauth/callback/?oauth_token=[redacted]&oauth_verifier=[redacted] HTTP/1.1" 302 0'
    )
    assert lines[3] == "Updated headers: {'Authorization': 'OAuth oauth_token=\"[redacted]\"'}"
    assert len(lines) == 4
