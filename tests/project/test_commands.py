"""The demo project's manage.py, configured from the environment as a deployment is."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

OTHER_KEY = "ZmRzYS1vdGhlci1rZXktMDAwMDAwMDAwMDAwMDAwMDA="


def shell_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The project's own settings from the environment, as a real deployment has them."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "BOTAUTH_", "TWITTER_", "DATABASE_"))
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "SECRET_KEY": "shell-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BOTAUTH_SANDBOX": "false",
        "TWITTER_CONSUMER_API_KEY": "shell-key",
        "TWITTER_CONSUMER_API_KEY_SECRET": "shell-secret",
        "BOTAUTH_ENCRYPTION_KEYS": OTHER_KEY,
        **overrides,
    }


def run_in_a_shell(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("missing", "check"),
    [
        ({"TWITTER_CONSUMER_API_KEY": ""}, "botauth.E001"),
        ({"BOTAUTH_ENCRYPTION_KEYS": ""}, "botauth.E002"),
    ],
)
def test_missing_keys_from_a_real_shell_exit_2(tmp_path, missing, check):
    # Django's system checks run before the command and used to exit 1, not the documented 2.
    env = shell_env(tmp_path, **missing)
    assert run_in_a_shell(env, "migrate", "--skip-checks", "-v", "0").returncode == 0
    result = run_in_a_shell(env, "verify_bot_tokens")
    assert result.returncode == 2, result.stderr
    assert check in result.stderr
    assert result.stdout == ""
    database = sqlite3.connect(tmp_path / "db.sqlite3")
    assert database.execute("SELECT count(*) FROM botauth_botaccount").fetchone() == (0,)


def test_a_configured_project_from_a_real_shell_exits_0(tmp_path):
    env = shell_env(tmp_path)
    assert run_in_a_shell(env, "migrate", "-v", "0").returncode == 0
    result = run_in_a_shell(env, "verify_bot_tokens")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "No linked bot accounts to verify.\n0 checked, 0 X calls.\n"
