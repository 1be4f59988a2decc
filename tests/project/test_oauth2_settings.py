"""The demo project's settings derive an OAuth 2.0 client for the sandbox (project/settings.py)."""

from __future__ import annotations

import json
from typing import Any

from tests.project.test_settings import KEY, PROBE, run_settings

OAUTH2_PROBE = PROBE.replace(
    "check_ids = ",
    "try:\n"
    "    client = list(conf.client_credentials())\n"
    "except BotauthConfigurationError:\n"
    "    client = ['', '']\n"
    "default_protocol = conf.default_protocol()\n"
    "check_ids = ",
).replace(
    '"consumer_key": consumer_key,',
    '"consumer_key": consumer_key,\n    "client": client,\n    "protocol": default_protocol,',
)


def probe(monkeypatch, **env: str) -> dict[str, Any]:
    import tests.project.test_settings as project_settings

    monkeypatch.setattr(project_settings, "PROBE", OAUTH2_PROBE)
    defaults = {"DEBUG": "true", "BOTAUTH_ENCRYPTION_KEYS": KEY, "TWITTER_CLIENT_ID": ""}
    result = run_settings(**{**defaults, **env})
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_the_sandbox_derives_a_client_from_secret_key_and_links_with_oauth2(monkeypatch):
    from botauth_sandbox.keys import derive_oauth2_client

    seen = probe(monkeypatch, BOTAUTH_SANDBOX="true")
    assert seen["client"] == list(derive_oauth2_client("settings-test-secret"))
    assert seen["protocol"] == "oauth2"
    assert "botauth.E001" not in seen["check_ids"]


def test_the_sandbox_keeps_a_real_client_id(monkeypatch):
    seen = probe(
        monkeypatch,
        BOTAUTH_SANDBOX="true",
        TWITTER_CLIENT_ID="real-id",
        TWITTER_CLIENT_SECRET="real-secret",
    )
    assert seen["client"] == ["real-id", "real-secret"]


def test_auto_sandbox_is_off_with_only_a_client_id(monkeypatch):
    seen = probe(
        monkeypatch,
        BOTAUTH_SANDBOX="auto",
        TWITTER_CLIENT_ID="real-id",
        TWITTER_CLIENT_SECRET="real-secret",
    )
    assert (seen["sandbox"], seen["x_api_url"]) == (False, "https://api.twitter.com")
    assert (seen["client"], seen["protocol"]) == (["real-id", "real-secret"], "oauth2")
    assert "botauth.E001" not in seen["check_ids"]


def test_without_the_sandbox_no_client_is_derived(monkeypatch):
    seen = probe(monkeypatch)
    assert (seen["client"], seen["protocol"]) == (["", ""], "oauth1")
    assert "botauth.E001" in seen["check_ids"]
