"""THE race: processes refreshing one expired OAuth 2.0 bot at once refresh it once (PostgreSQL).

Several processes, each with several threads holding their own client, post at the same moment
with a token that has expired. X (a stub on 127.0.0.1 that rotates refresh tokens single use)
must see exactly one refresh; every post must succeed; the stored refresh token must be the last
X issued. Without the row lock, or without reading the row again after taking it, X sees one
refresh per worker and the test fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from botauth import refresh, tasks
from botauth.models import BotAccount
from tests import xtoken
from tests.stubx import StubX, serving
from tests.xtoken import access, oauth2_bot

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parent.parent
PROCESSES = 4
THREADS = 3


@pytest.fixture(autouse=True)
def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the multi-process refresh race runs on PostgreSQL: set DATABASE_URL=postgres://..."
        )


def worker_env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BOTAUTH_"))}
    return {**env, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": url}


def race(account: BotAccount, stub: StubX) -> list[str]:
    command = [sys.executable, "-m", "tests.race_worker", str(account.pk), stub.url, str(THREADS)]
    # Half the processes stall between reading the row and taking the lock, past X's answer: they
    # take the lock after the refresh, with a stale read.
    processes = [
        subprocess.Popen(
            [*command, "straggle" if i % 2 else "prompt"],
            cwd=ROOT,
            env=worker_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outcomes: list[str] = []
        for process in processes:
            assert process.stdout is not None
            outcomes += json.loads(process.stdout.readline())
            assert process.wait(timeout=60) == 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    return outcomes


def test_processes_posting_with_one_expired_token_refresh_it_once(transactional_db):
    account = oauth2_bot("racer", expires_in=timedelta(minutes=-1))
    with serving(StubX(refresh_token=xtoken.refresh(0))) as stub:
        outcomes = race(account, stub)

    assert outcomes == ["posted"] * (PROCESSES * THREADS)
    assert stub.refresh_calls == 1
    assert stub.refused == 0
    assert stub.posts == PROCESSES * THREADS
    assert stub.rejected_posts == 0
    account.refresh_from_db()
    assert account.twitter_refresh_token == stub.issued[-1] == stub.refresh_token
    assert account.twitter_access_token in stub.access_tokens
    assert account.status == BotAccount.Status.LINKED


class ManyBotsX:
    """X's token endpoint for many bots: each refresh token single use, every call counted."""

    def __init__(self, x, accounts: list[BotAccount]) -> None:
        self.valid = {account.twitter_refresh_token for account in accounts}
        self.calls: list[str] = []
        self.refused = 0
        self.lock = threading.Lock()
        x.add_callback("POST", xtoken.TOKEN_URL, callback=self.token)

    def token(self, request):
        time.sleep(0.05)  # long enough for the workers' claims to overlap
        sent = xtoken.form(request)["refresh_token"]
        with self.lock:
            self.calls.append(sent)
            if sent not in self.valid:
                self.refused += 1
                return 400, {}, json.dumps(xtoken.INVALID_TOKEN)
            self.valid.remove(sent)
            number = len(self.calls) + 100
            self.valid.add(xtoken.refresh(number))
        return 200, {"Content-Type": "application/json"}, json.dumps(xtoken.answer(number))


def test_workers_sharing_the_refresh_task_refresh_each_bot_once(transactional_db, x, settings):
    settings.TWITTER_CLIENT_ID = xtoken.CLIENT_ID
    settings.TWITTER_CLIENT_SECRET = xtoken.CLIENT_SECRET
    accounts = [
        oauth2_bot(f"bot{i}", n=i, expires_in=timedelta(minutes=-1), user_id=str(i + 1))
        for i in range(12)
    ]
    endpoint = ManyBotsX(x, accounts)
    tallies: list[dict[str, int]] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        try:
            barrier.wait()
            tallies.append(tasks.refresh_due_tokens())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(endpoint.calls) == 12
    assert len(set(endpoint.calls)) == 12
    assert endpoint.refused == 0
    assert sum(tally.get("refreshed", 0) for tally in tallies) == 12
    assert all(set(tally) <= {"refreshed"} for tally in tallies)
    assert sum(1 for tally in tallies if tally) > 1  # the work was shared
    for account in accounts:
        account.refresh_from_db()
        assert account.twitter_refresh_token in endpoint.valid


def test_a_waiter_reads_the_row_once_the_refresher_is_done(transactional_db):
    account = oauth2_bot("shared", n=3)
    got: list[BotAccount] = []
    with transaction.atomic():
        BotAccount.objects.select_for_update().get(pk=account.pk)  # the refresher holds the row

        def wait_and_read() -> None:
            got.append(refresh._read_shared("default", account.pk))
            connections.close_all()

        waiter = threading.Thread(target=wait_and_read)
        waiter.start()
        waiter.join(timeout=0.5)
        assert waiter.is_alive()  # FOR SHARE waits for the FOR UPDATE
        BotAccount.objects.filter(pk=account.pk).update(token_refreshed_at=timezone.now())
    waiter.join(timeout=10)
    [row] = got
    assert (row.pk, row.name, row.twitter_access_token) == (account.pk, "shared", access(3))
    assert row.twitter_refresh_token == xtoken.refresh(3)
    assert row.token_refreshed_at is not None
