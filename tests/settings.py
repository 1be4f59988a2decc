"""The app's test settings: botauth and its sandbox in a minimal project of their own.

Nothing here imports the demo project (`project/`) or needs its dependencies (django-environ):
`python -m pytest` in a checkout tests the app alone. The demo project's own tests live in
`tests/project/` and start it in fresh processes with `project.settings`.

botauth's X traffic still goes to X's real hosts here (mocked with `responses`); tests that
drive the sandbox point BOTAUTH_X_API_URL at a live server themselves. The one value read from
the environment is DATABASE_URL (SQLite by default; `postgres://...` for PostgreSQL).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def database_from_url(url: str) -> dict[str, Any]:
    """DATABASES["default"] from `sqlite:///path` or `postgres://user:pw@host:port/name?opts`.

    A few lines instead of django-environ or dj-database-url, so that the app's tests need no
    dependency of the demo project. Query parameters become OPTIONS (`?sslmode=require`).
    """
    parts = urlsplit(url)
    options: dict[str, Any] = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        # sqlite:///relative.db, sqlite:////absolute.db; sqlite:// or sqlite:///:memory: in memory.
        name = unquote(parts.path[1:]) or ":memory:"
        # IMMEDIATE takes SQLite's write lock when a transaction opens, so the callback's
        # compare-and-set holds there too, as in the demo project (select_for_update is a no-op).
        options.update({"transaction_mode": "IMMEDIATE", "timeout": 20})
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name, "OPTIONS": options}
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path[1:]),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL {parts.scheme}://... is not one the tests know: use sqlite:///path.db "
        "or postgres://user@host:5432/name."
    )


BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = True
SECRET_KEY = "tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "botauth",
    "botauth_sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
# As the demo project runs: persistent connections, checked before reuse.
DATABASES["default"].update({"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TIME_ZONE = "UTC"
USE_TZ = True
STATIC_URL = "static/"
# Logins in tests should not spend PBKDF2's deliberate CPU.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_EXCEPTION_REPORTER_FILTER = "botauth.reporting.ExceptionReporterFilter"

# botauth
TWITTER_CONSUMER_API_KEY = "test-consumer-key"
TWITTER_CONSUMER_API_KEY_SECRET = "test-consumer-secret"
TWITTER_API_BEARER_TOKEN = ""
# OAuth 2.0 off unless a test turns it on, whatever the environment or .env says.
TWITTER_CLIENT_ID = ""
TWITTER_CLIENT_SECRET = ""
BOTAUTH_OAUTH2_SCOPES = ""
BOTAUTH_ENCRYPTION_KEYS = ["bXN1LXRlc3Qta2V5LTAwMDAwMDAwMDAwMDAwMDAwMDA="]
BOTAUTH_X_API_URL = "https://api.twitter.com"
BOTAUTH_CALLBACK_URL = ""
BOTAUTH_SANDBOX = False

LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
