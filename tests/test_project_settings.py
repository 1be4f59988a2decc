"""project/settings.py as a fresh process sees it: the sandbox switch and start-up refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "bXN1LXRlc3Qta2V5LTAwMDAwMDAwMDAwMDAwMDAwMDA="
PROBE = """
import json, django
django.setup()
from django.apps import apps
from django.conf import settings
from django.urls import Resolver404, resolve
try:
    resolve("/sandbox/oauth/request_token")
    sandbox_url = True
except Resolver404:
    sandbox_url = False
print(json.dumps({
    "sandbox_app": apps.is_installed("botauth_sandbox"),
    "sandbox_url": sandbox_url,
    "x_api_url": getattr(settings, "BOTAUTH_X_API_URL", "https://api.twitter.com"),
    "consumer_key": settings.TWITTER_CONSUMER_API_KEY,
}))
"""


def run_settings(**env: str) -> subprocess.CompletedProcess[str]:
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
        [sys.executable, "-c", PROBE],
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
        "sandbox_app": False,
        "sandbox_url": False,
        "x_api_url": "https://api.twitter.com",
        "consumer_key": "",
    }


def test_sandbox_on_routes_x_traffic_and_derives_consumer_keys():
    result = run_settings(DEBUG="true", BOTAUTH_ENCRYPTION_KEYS=KEY, BOTAUTH_SANDBOX="true")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["sandbox_app"] is True
    assert seen["sandbox_url"] is True
    assert seen["x_api_url"] == "http://127.0.0.1:8000/sandbox"
    assert len(seen["consumer_key"]) == 25


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
    assert json.loads(result.stdout)["sandbox_app"] is False
