"""The test matrix and the checks, one nox session each: `nox -l` lists them.

Run one: `nox -s "tests(python='3.12', django='6.1', db='sqlite')"`; a whole tag: `nox -t matrix`.
Interpreters are found on PATH; with pyenv, `export PYENV_VERSION=3.11.7:3.12.1:3.13.0` first.
PostgreSQL sessions use DATABASE_URL's server (default: postgres@127.0.0.1:5432, trust auth).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import nox

nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["tests", "lint", "checks", "docs", "package"]

ROOT = Path(__file__).resolve().parent
LOCK = "requirements-dev.txt"
# Django 6.x needs Python 3.12+.
MATRIX = [
    ("3.11", "5.2"),
    ("3.12", "5.2"),
    ("3.12", "6.0"),
    ("3.12", "6.1"),
    ("3.13", "5.2"),
    ("3.13", "6.0"),
    ("3.13", "6.1"),
]
# What CI runs besides `make test` (3.11, 5.2, SQLite): every Python, Django and database at
# least once, in well under CI's time limit. `nox -t matrix` runs all fourteen.
CI = {
    ("3.11", "5.2", "postgres"),
    ("3.12", "6.0", "sqlite"),
    ("3.13", "6.1", "postgres"),
    ("3.13", "5.2", "sqlite"),
}
POSTGRES = os.environ.get("NOX_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
# The project's default database; set explicitly so a DATABASE_URL in the caller's environment
# does not leak into a SQLite session.
SQLITE = f"sqlite:///{ROOT / 'db.sqlite3'}"


def install(session: nox.Session, django: str | None = None) -> None:
    session.install("-r", LOCK)
    if django is not None:
        session.install(f"Django~={django}.0")


@nox.session
@nox.parametrize(
    "python,django,db",
    [
        nox.param(
            python,
            django,
            db,
            tags=["matrix", *(["ci"] if (python, django, db) in CI else [])],
        )
        for python, django in MATRIX
        for db in ("sqlite", "postgres")
    ],
)
def tests(session: nox.Session, django: str, db: str) -> None:
    """The whole suite on one Python x Django x database."""
    install(session, django)
    env = {"DATABASE_URL": SQLITE}
    if db == "postgres":
        name = f"botauth_nox_{session.python}_{django}".replace(".", "")
        env["DATABASE_URL"] = f"{POSTGRES}/{name}"
    session.run("python", "-c", "import django; print('Django', django.get_version())")
    session.run("pytest", *session.posargs, env=env)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff, ruff format, mypy."""
    install(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python="3.11")
def checks(session: nox.Session) -> None:
    """check --deploy with production settings, and no missing migrations."""
    install(session)
    python = "import secrets; print(secrets.token_urlsafe(50))"
    fernet = "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
    production = {
        "SECRET_KEY": session.run("python", "-c", python, silent=True).strip(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "bots.example.com",
        "TWITTER_CONSUMER_API_KEY": "ci-key",
        "TWITTER_CONSUMER_API_KEY_SECRET": "ci-secret",
        "BOTAUTH_ENCRYPTION_KEYS": session.run("python", "-c", fernet, silent=True).strip(),
        "BOTAUTH_CALLBACK_URL": "https://bots.example.com/botauth/callback/",
        "BOTAUTH_SANDBOX": "false",
        "DATABASE_URL": SQLITE,
    }
    session.run(
        "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=production
    )
    development = {
        "SECRET_KEY": "ci",
        "DEBUG": "true",
        "BOTAUTH_SANDBOX": "true",
        "BOTAUTH_ENCRYPTION_KEYS": "bXN1LXRlc3Qta2V5LTAwMDAwMDAwMDAwMDAwMDAwMDA=",
        "DATABASE_URL": SQLITE,
    }
    session.run("python", "manage.py", "makemigrations", "--check", "--dry-run", env=development)


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """The documentation, warnings as errors."""
    install(session)
    with tempfile.TemporaryDirectory() as site:
        session.run("mkdocs", "build", "--strict", "--site-dir", site)


@nox.session(python="3.11")
def package(session: nox.Session) -> None:
    """Build the sdist and the wheel: PyPI renders their README (twine check), the sdist carries
    the docs, and the wheel in a clean venv brings everything it imports and ships its data."""
    session.install("-c", LOCK, "build", "twine", "readme-renderer[md]")
    with tempfile.TemporaryDirectory() as out:
        session.run("python", "-m", "build", "--outdir", out, str(ROOT))
        (sdist,) = Path(out).glob("*.tar.gz")
        (wheel,) = Path(out).glob("*.whl")
        session.run("twine", "check", "--strict", str(sdist), str(wheel))
        session.run("python", str(ROOT / "bin" / "check-sdist"), str(sdist))
        session.run("python", str(ROOT / "bin" / "check-wheel"), str(wheel))


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """A smoke run of every benchmark (`make bench` measures for real)."""
    install(session)
    session.run("python", "-m", "bench", "all", "--quick", *session.posargs)
