"""Refreshing on SQLite while the sandbox that rotates the token is served from the same file.

Real processes, as `make run` gives them: one server (runserver, gunicorn) serving botauth and
the sandbox from one SQLite database, and `refresh_bot_tokens` processes refreshing an expired
OAuth 2.0 bot against it at once. Holding SQLite's write lock while the sandbox answers would
stop the sandbox from storing the rotated token (it would wait out SQLite's timeout, the refresh
its own); the file lock per account (botauth/locks.py) lets it, and still refreshes once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.helpers import ROOT
from tests.project.test_servers import SERVERS, free_port, server_env

PROCESSES = 3
SEED = """
from datetime import timedelta
from botauth import conf
from django.utils import timezone
from botauth.models import BotAccount
from botauth_sandbox.models import OAuth2Client, OAuth2Grant, OAuth2Token, SandboxUser
from botauth_sandbox.oauth2 import tokens

client = OAuth2Client.objects.get(client_id=conf.client_credentials()[0])
user = SandboxUser.objects.create(username="idle_bot")
scopes = "tweet.read tweet.write users.read offline.access"
grant = OAuth2Grant.objects.create(
    app=client.app, user=user, scopes=scopes, redirect_uri="http://127.0.0.1/cb",
    code_digest=tokens.digest("code"), code_challenge="x" * 43, code_challenge_method="S256",
    code_used=True,
)
access, refresh = tokens.new_value("at"), tokens.new_value("rt")
past = timezone.now() - timedelta(days=3)
OAuth2Token.objects.create(
    grant=grant, app=client.app, user=user, scopes=scopes,
    access_digest=tokens.digest(access), access_prefix=access[:8], expires_at=past,
    refresh_digest=tokens.digest(refresh), refresh_prefix=refresh[:8],
    refresh_expires_at=timezone.now() + timedelta(days=100),
)
BotAccount.objects.create(
    name="idlebot", status="linked", protocol="oauth2", twitter_access_token=access,
    twitter_refresh_token=refresh, token_expires_at=past, scopes=scopes,
    twitter_user_id=user.user_id, twitter_username=user.username, linked_at=past,
)
"""
STATE = """
import json
from botauth.models import BotAccount
from botauth_sandbox.models import OAuth2Token
from botauth_sandbox.oauth2 import tokens
bot = BotAccount.objects.get(name="idlebot")
live = OAuth2Token.objects.get(refreshed=False)
print(json.dumps({
    "tokens": OAuth2Token.objects.count(),
    "stored_is_live": tokens.digest(bot.twitter_refresh_token) == live.refresh_digest,
    "status": bot.status,
}))
"""


@pytest.fixture(params=sorted(SERVERS))
def server(request, tmp_path) -> Iterator[dict[str, str]]:
    port = free_port()
    env = server_env(tmp_path, port)
    steps = (["manage.py", "migrate", "--noinput"], ["manage.py", "shell", "-c", SEED])
    for step in steps:
        subprocess.run(
            [sys.executable, *step], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120
        )
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        SERVERS[request.param](port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/admin/login/", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield env
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_refreshes_at_once_on_sqlite_refresh_once_and_none_waits_out_a_lock(server):
    command = [sys.executable, "manage.py", "refresh_bot_tokens", "--json"]
    runs = [
        subprocess.Popen(
            command, cwd=ROOT, env=server, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(PROCESSES)
    ]
    outcomes = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        [row] = json.loads(out)
        outcomes.append(row["result"])

    assert sorted(outcomes) == ["fresh"] * (PROCESSES - 1) + ["refreshed"]
    state = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", STATE],
        cwd=ROOT,
        env=server,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(state.stdout.splitlines()[-1]) == {
        "tokens": 2,
        "stored_is_live": True,
        "status": "linked",
    }


def test_the_lock_files_stay_beside_the_database(server):
    subprocess.run(
        [sys.executable, "manage.py", "refresh_bot_tokens"],
        cwd=ROOT,
        env=server,
        check=True,
        capture_output=True,
        timeout=120,
    )
    database = Path(server["DATABASE_URL"].removeprefix("sqlite:///"))
    assert [p.name for p in Path(f"{database}-botauth-locks").iterdir()] == ["refresh-1.lock"]
