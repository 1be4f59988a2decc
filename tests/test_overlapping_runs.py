"""Two verify_bot_tokens processes at once on PostgreSQL: X sees each account once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from botauth.models import BotAccount
from tests.helpers import ROOT, make_linked, skip_unless_postgres

pytestmark = pytest.mark.postgres
ACCOUNTS = 60


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres("overlapping runs are tested on PostgreSQL")


class StubX(BaseHTTPRequestHandler):
    """GET /2/users/me for every token, counting them. The first answers wait until requests
    from both runs are in (at most 2 in flight per run), so the runs surely overlap."""

    seen: Counter[str] = Counter()
    lock = threading.Lock()
    waiting = 0
    both_in = threading.Event()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        header = self.headers.get("Authorization", "")
        token = (
            header.split('oauth_token="', 1)[1].split('"', 1)[0] if "oauth_token" in header else ""
        )
        with StubX.lock:
            StubX.seen[token] += 1
            StubX.waiting += 1
            if StubX.waiting >= 3:
                StubX.both_in.set()
        StubX.both_in.wait(timeout=60)
        time.sleep(0.05)
        user_id = token.split("-")[0]
        body = json.dumps({"data": {"id": user_id, "name": "Bot", "username": "same"}}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("x-access-level", "read-write")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def stub_x() -> Iterator[str]:
    StubX.seen, StubX.waiting = Counter(), 0
    StubX.both_in = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubX)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def settings_module(tmp_path: Path, x_api_url: str) -> str:
    database = {
        key: connection.settings_dict[key]
        for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")
    }
    (tmp_path / "overlap_settings.py").write_text(
        "from tests.settings import *  # noqa: F403\n"
        f"DATABASES = {{'default': {database!r}}}\n"
        f"BOTAUTH_X_API_URL = {x_api_url!r}\n"
        # botauth's log lines on stderr beside the command's own, whatever the test settings say.
        "LOGGING = {'version': 1, 'disable_existing_loggers': False, "
        "'handlers': {'stderr': {'class': 'logging.StreamHandler'}}, "
        "'loggers': {'botauth': {'handlers': ['stderr'], 'level': 'INFO', 'propagate': False}}}\n"
    )
    return "overlap_settings"


def test_two_runs_at_once_share_the_accounts(transactional_db, tmp_path, stub_x):
    for n in range(ACCOUNTS):
        make_linked(f"bot{n:02}", user_id=str(1000 + n), username="same")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module(tmp_path, stub_x),
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
    }
    command = [sys.executable, "-m", "django", "verify_bot_tokens", "--json", "--concurrency", "2"]
    runs = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err.decode()
    results = [json.loads(out) for out, _ in outputs]
    assert all(results), "both runs checked accounts: they overlapped"
    assert sorted(StubX.seen.values()) == [1] * ACCOUNTS  # X saw each account once
    assert set(StubX.seen) == {f"{1000 + n}-accesstokenbot{n:02}" for n in range(ACCOUNTS)}
    names = [result["name"] for run in results for result in run]
    assert sorted(names) == [f"bot{n:02}" for n in range(ACCOUNTS)]
    for (_, err), run in zip(outputs, results, strict=True):
        left = ACCOUNTS - len(run)
        assert err.decode() == (
            f"Verified bot accounts with X: {len(run)} valid; X calls: {len(run)}; {left} left to "
            "another run.\n"
            f"{len(run)} checked, {left} left to another run at the same time, "
            f"{len(run)} X calls.\n"
        )
    assert BotAccount.objects.filter(last_verification="valid").count() == ACCOUNTS
    assert BotAccount.objects.exclude(verify_claim="").count() == 0
