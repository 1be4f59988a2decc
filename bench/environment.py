"""A throwaway PostgreSQL database and the environment shared by a benchmark and its servers.

Settings come from environment variables only (no .env), passed explicitly to every child.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2  # type: ignore[import-untyped]
from cryptography.fernet import Fernet

from botauth_sandbox.keys import derive_consumer, derive_oauth2_client

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
DROPPED_PREFIXES = ("DJANGO_", "BOTAUTH_", "SANDBOX_", "TWITTER_", "GUNICORN_", "SECURE_")
DROPPED_NAMES = {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "WEB_CONCURRENCY"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(*, database: str, sandbox_port: int, latency_ms: int) -> dict[str, str]:
    """Production-like settings (DEBUG off, so no query log grows), plain HTTP on 127.0.0.1.

    botauth is configured as for a real X at a URL (the sandbox's), with the consumer pair the
    sandbox derives from the shared SECRET_KEY; the sandbox itself runs with sandbox_env().
    """
    secret_key = secrets.token_urlsafe(50)
    consumer_key, consumer_secret = derive_consumer(secret_key)
    client_id, client_secret = derive_oauth2_client(secret_key)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(DROPPED_PREFIXES) and k not in DROPPED_NAMES
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY=secret_key,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        # Persistent connections, as a production deployment on PostgreSQL would configure:
        # without them each request forks a PostgreSQL backend (see RESULTS.md).
        DATABASE_URL=f"{POSTGRES}/{database}?conn_max_age=600&conn_health_checks=true",
        BOTAUTH_X_API_URL=f"http://127.0.0.1:{sandbox_port}/sandbox",
        BOTAUTH_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        TWITTER_CONSUMER_API_KEY=consumer_key,
        TWITTER_CONSUMER_API_KEY_SECRET=consumer_secret,
        TWITTER_CLIENT_ID=client_id,
        TWITTER_CLIENT_SECRET=client_secret,
        SANDBOX_API_LATENCY_MS=str(latency_ms),
        SANDBOX_ENFORCE_RATE_LIMITS="false",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def sandbox_env(env: dict[str, str]) -> dict[str, str]:
    """The sandbox server's settings: a development tool, it serves only with DEBUG on.

    With BOTAUTH_SANDBOX on and no X keys it accepts the consumer pair derived from SECRET_KEY,
    the pair server_env() gives botauth.
    """
    return {
        **env,
        "DEBUG": "true",
        "BOTAUTH_SANDBOX": "true",
        "BOTAUTH_X_API_URL": "",
        "TWITTER_CONSUMER_API_KEY": "",
        "TWITTER_CONSUMER_API_KEY_SECRET": "",
        "TWITTER_CLIENT_ID": "",
        "TWITTER_CLIENT_SECRET": "",
    }


def _admin(sql: str) -> None:
    connection = psycopg2.connect(f"{POSTGRES}/postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


@contextmanager
def django_on_throwaway_database(env: dict[str, str], *, database: str) -> Iterator[None]:
    """Create the database, configure Django in this process with `env`, migrate; drop after."""
    _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{database}"')
    os.environ.update(env)
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        from bench.seed import consumer_app

        consumer_app()
        yield
    finally:
        from django.db import connections

        connections.close_all()
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def database_name(benchmark: str) -> str:
    return f"botauth_bench_{benchmark}_{os.getpid()}"
