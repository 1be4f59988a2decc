"""The run command's server and gunicorn each serve botauth and the sandbox it calls, no deadlock.

Real processes on 127.0.0.1, a SQLite file, the sandbox on: the setup `make run` gives a new user.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.helpers import ROOT

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BOTAUTH_"))}
    env.update(
        SECRET_KEY="server-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        BOTAUTH_SANDBOX="true",
        BOTAUTH_SANDBOX_URL=f"http://127.0.0.1:{port}/sandbox",
        BOTAUTH_ENCRYPTION_KEYS="bXN1LXRlc3Qta2V5LTAwMDAwMDAwMDAwMDAwMDAwMDA=",
        TWITTER_CONSUMER_API_KEY="",
        TWITTER_CONSUMER_API_KEY_SECRET="",
        DJANGO_SUPERUSER_PASSWORD="server-test-password",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        GUNICORN_BIND=f"127.0.0.1:{port}",
    )
    return env


SERVERS = {
    "runserver": lambda port: [
        sys.executable,
        "manage.py",
        "runserver",
        "--noreload",
        f"127.0.0.1:{port}",
    ],
    "gunicorn": lambda port: [
        str(BIN / "gunicorn"),
        "-c",
        "project/gunicorn.conf.py",
        "project.wsgi",
    ],
}


@pytest.fixture(params=sorted(SERVERS))
def server(request, tmp_path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    env = server_env(tmp_path, port)
    for step in (["manage.py", "migrate", "--noinput"], ["bin/ensure-superuser"]):
        subprocess.run(
            [sys.executable, *step], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120
        )
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        SERVERS[request.param](port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # Up to 60 s: a loaded machine starts gunicorn slowly, and a slow first answer is a
        # read timeout, not a connection error.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/admin/login/", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield base, tmp_path / "db.sqlite3"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def post_form(session: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    token = session.cookies["csrftoken"]
    return session.post(
        url, data={"csrfmiddlewaretoken": token, **data}, headers={"Referer": url}, timeout=30
    )


# The sandbox provisions both protocols; a link without `protocol` uses OAuth 2.0.
CONSENT_PATHS = {"": "/sandbox/i/oauth2/authorize", "oauth1": "/sandbox/oauth/authorize"}


@pytest.mark.parametrize("protocol", sorted(CONSENT_PATHS))
def test_a_link_completes_when_the_sandbox_is_the_same_server(server, protocol):
    server, database = server
    session = requests.Session()
    session.get(f"{server}/admin/login/", timeout=30)
    post_form(
        session,
        f"{server}/admin/login/",
        {"username": "admin", "password": "server-test-password", "next": "/admin/"},
    )
    session.get(f"{server}/admin/botauth/botaccount/add/", timeout=30)
    added = post_form(
        session, f"{server}/admin/botauth/botaccount/add/", {"name": "serverbot", "_continue": "1"}
    )
    change = re.search(r"/botaccount/(\d+)/change/", added.url)
    assert change is not None, added.url
    pk = change[1]

    consent = post_form(session, f"{server}/botauth/link/{pk}/", {"protocol": protocol})
    assert CONSENT_PATHS[protocol] in consent.url
    assert "SANDBOX" in consent.text
    linked = post_form(session, consent.url, {"username": "server_bot", "action": "authorize"})

    assert linked.status_code == 200
    assert linked.url == f"{server}/admin/botauth/botaccount/{pk}/change/"
    assert "Linked @server_bot" in linked.text
    assert "Re-link with X" in linked.text
    with sqlite3.connect(database) as db:
        status, username, token, pending = db.execute(
            "SELECT status, twitter_username, twitter_access_token, twitter_oauth_token"
            " FROM botauth_botaccount WHERE id = ?",
            [pk],
        ).fetchone()
    assert (status, username, pending) == ("linked", "server_bot", "")
    assert token.startswith("gAAAA")
