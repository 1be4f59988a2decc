"""botauth's settings, read at call time, with their defaults."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from botauth.exceptions import BotauthConfigurationError

X_API_URL = "https://api.twitter.com"
X_UPLOAD_URL = "https://upload.twitter.com"
# X's own spec names api.x.com for the OAuth 2.0 token endpoints; it is routed like the others.
X_API_X_URL = "https://api.x.com"


def consumer_credentials() -> tuple[str, str]:
    key = getattr(settings, "TWITTER_CONSUMER_API_KEY", "")
    secret = getattr(settings, "TWITTER_CONSUMER_API_KEY_SECRET", "")
    if not key or not secret:
        raise BotauthConfigurationError(
            "Set TWITTER_CONSUMER_API_KEY and TWITTER_CONSUMER_API_KEY_SECRET to your X app's "
            "API key and secret (developer portal > your app > Keys and tokens)."
        )
    return key, secret


def bearer_token() -> str | None:
    return getattr(settings, "TWITTER_API_BEARER_TOKEN", "") or None


def encryption_keys() -> list[str]:
    keys = getattr(settings, "BOTAUTH_ENCRYPTION_KEYS", [])
    if isinstance(keys, str):
        keys = [k for k in keys.split(",") if k.strip()]
    return [k.strip() for k in keys if k.strip()]


def callback_url() -> str:
    return str(getattr(settings, "BOTAUTH_CALLBACK_URL", "") or "")


def api_url() -> str:
    return str(getattr(settings, "BOTAUTH_X_API_URL", "") or X_API_URL).rstrip("/")


def request_timeout() -> float:
    return float(getattr(settings, "BOTAUTH_REQUEST_TIMEOUT", 10.0))


def pending_ttl() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "BOTAUTH_PENDING_TTL", 15 * 60)))


def verify_concurrency() -> int:
    return int(getattr(settings, "BOTAUTH_VERIFY_CONCURRENCY", 16))


def oauth2_refresh_margin() -> timedelta:
    """How long before its expiry an OAuth 2.0 access token is refreshed (X's live 2 hours)."""
    return timedelta(seconds=float(getattr(settings, "BOTAUTH_OAUTH2_REFRESH_MARGIN", 300)))
