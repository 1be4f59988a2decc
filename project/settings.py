"""Settings for the project that runs botauth. Every value comes from the environment (.env)."""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "Set SECRET_KEY in the environment or .env (see .env.example); "
        "`make run` writes a development one for you."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

TWITTER_CONSUMER_API_KEY = env.str("TWITTER_CONSUMER_API_KEY", default="")
TWITTER_CONSUMER_API_KEY_SECRET = env.str("TWITTER_CONSUMER_API_KEY_SECRET", default="")
# OAuth 2.0 (used for new links when set): the app's Client ID and Client Secret.
TWITTER_CLIENT_ID = env.str("TWITTER_CLIENT_ID", default="")
TWITTER_CLIENT_SECRET = env.str("TWITTER_CLIENT_SECRET", default="")
# Empty: botauth's default, what a posting bot needs.
BOTAUTH_OAUTH2_SCOPES = env.str("BOTAUTH_OAUTH2_SCOPES", default="")
# "auto" (what `make run` writes): the sandbox of X while developing without X keys.
if env.str("BOTAUTH_SANDBOX", default="false").strip().lower() == "auto":
    BOTAUTH_SANDBOX = DEBUG and not (TWITTER_CONSUMER_API_KEY or TWITTER_CLIENT_ID)
else:
    BOTAUTH_SANDBOX = env.bool("BOTAUTH_SANDBOX", default=False)
if BOTAUTH_SANDBOX and not DEBUG:
    raise ImproperlyConfigured(
        "BOTAUTH_SANDBOX is on while DEBUG is off: the sandbox is a fake X for development and "
        "tests, never for production. Set BOTAUTH_SANDBOX=false (or auto), or DEBUG=true."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "botauth",
]
if BOTAUTH_SANDBOX:
    INSTALLED_APPS.append("botauth_sandbox")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The admin and botauth's pages in the browser's language (Accept-Language), of LANGUAGES.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# A new PostgreSQL connection per request costs more than a signed call to X (bench/RESULTS.md).
# Each gunicorn thread keeps one: workers x threads must stay under max_connections.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes SQLite's write lock when a transaction opens: transactions that read, then
    # write (storing a link, a batch of verification results) wait up to the timeout instead of
    # failing with "database is locked" on the upgrade. The callback's exchange-once rests on a
    # compare-and-set, not on this lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The languages botauth's pages are translated into (botauth/locale).
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Lax (Django's default) is required: the callback is a top-level GET redirect from X and
# must carry the session cookie; Strict would make it look logged out.
SESSION_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# botauth (the consumer pair is read above)
TWITTER_API_BEARER_TOKEN = env.str("TWITTER_API_BEARER_TOKEN", default="")
BOTAUTH_ENCRYPTION_KEYS = env.list("BOTAUTH_ENCRYPTION_KEYS", default=[])
BOTAUTH_CALLBACK_URL = env.str("BOTAUTH_CALLBACK_URL", default="")
# Seconds before expiry an OAuth 2.0 bot's token is refreshed (X's tokens live 2 hours).
BOTAUTH_OAUTH2_REFRESH_MARGIN = env.float("BOTAUTH_OAUTH2_REFRESH_MARGIN", default=300)
if not DEBUG and not BOTAUTH_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "Set BOTAUTH_ENCRYPTION_KEYS: tokens are stored encrypted and DEBUG is off. Generate a "
        "key with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'"
    )

BOTAUTH_X_API_URL = env.str("BOTAUTH_X_API_URL", default="")
# With BOTAUTH_SANDBOX on, botauth itself routes X traffic to the sandbox and derives X app
# keys from SECRET_KEY when none are set above.
if BOTAUTH_SANDBOX:
    BOTAUTH_SANDBOX_URL = env.str("BOTAUTH_SANDBOX_URL", default="http://127.0.0.1:8000/sandbox")
    SANDBOX_API_LATENCY_MS = env.int("SANDBOX_API_LATENCY_MS", default=0)
    SANDBOX_ENFORCE_RATE_LIMITS = env.bool("SANDBOX_ENFORCE_RATE_LIMITS", default=True)
    SANDBOX_REQUEST_TOKEN_TTL = env.int("SANDBOX_REQUEST_TOKEN_TTL", default=900)
    SANDBOX_OAUTH2_ACCESS_TOKEN_TTL = env.int("SANDBOX_OAUTH2_ACCESS_TOKEN_TTL", default=7200)
    SANDBOX_OAUTH2_REFRESH_REVOKES_ACCESS_TOKEN = env.bool(
        "SANDBOX_OAUTH2_REFRESH_REVOKES_ACCESS_TOKEN", default=False
    )
    SANDBOX_MEDIA_CHECK_AFTER_SECS = env.int("SANDBOX_MEDIA_CHECK_AFTER_SECS", default=1)

# Django's own filter ignores sensitive_variables while DEBUG is on (`make run` sets it) and shows
# DATABASE_URL in META under runserver; botauth's hides tokens, secrets and credentials in URLs
# whatever DEBUG says.
DEFAULT_EXCEPTION_REPORTER_FILTER = "botauth.reporting.ExceptionReporterFilter"

# Every line once, on the console, through botauth's RedactSecrets: at LOG_LEVEL=DEBUG the OAuth
# libraries log tokens, and runserver logs the callback's oauth_verifier in each request line.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "botauth.log.RedactSecrets"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default console handler on "django" printed each line a second time.
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "botauth": {"level": "INFO"},
    },
}
