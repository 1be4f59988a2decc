"""botauth's settings, read at call time, with their defaults."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from botauth.exceptions import BotauthConfigurationError

X_API_URL = "https://api.twitter.com"
X_UPLOAD_URL = "https://upload.twitter.com"
SANDBOX_URL = "http://127.0.0.1:8000/sandbox"


def sandbox_setting() -> object:
    """BOTAUTH_SANDBOX as set, for the check that it is a bool (botauth.E007)."""
    return getattr(settings, "BOTAUTH_SANDBOX", False)


def sandbox_enabled() -> bool:
    """BOTAUTH_SANDBOX: botauth talks to the sandbox app (a fake X) instead of X."""
    # Only a real True: the string "false" from an environment variable is truthy.
    return sandbox_setting() is True


def sandbox_consumer() -> tuple[str, str] | None:
    """The consumer pair derived from SECRET_KEY while the sandbox is on and no X keys are set."""
    if not sandbox_enabled() or _x_consumer() != ("", ""):
        return None
    # Imported only here: botauth must not import the sandbox unless it is turned on.
    from botauth_sandbox.keys import derive_consumer

    return derive_consumer(str(settings.SECRET_KEY))


def consumer_credentials() -> tuple[str, str]:
    key, secret = sandbox_consumer() or _x_consumer()
    if not key or not secret:
        raise BotauthConfigurationError(
            "Set TWITTER_CONSUMER_API_KEY and TWITTER_CONSUMER_API_KEY_SECRET to your X app's "
            "API key and secret (developer portal > your app > Keys and tokens)."
        )
    return key, secret


def _x_consumer() -> tuple[str, str]:
    return (
        str(getattr(settings, "TWITTER_CONSUMER_API_KEY", "") or ""),
        str(getattr(settings, "TWITTER_CONSUMER_API_KEY_SECRET", "") or ""),
    )


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
    url = getattr(settings, "BOTAUTH_X_API_URL", "")
    if not url and sandbox_enabled():
        url = getattr(settings, "BOTAUTH_SANDBOX_URL", "") or SANDBOX_URL
    return str(url or X_API_URL).rstrip("/")


def request_timeout() -> float:
    return float(getattr(settings, "BOTAUTH_REQUEST_TIMEOUT", 10.0))


def pending_ttl() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "BOTAUTH_PENDING_TTL", 15 * 60)))


def verify_concurrency() -> int:
    return int(getattr(settings, "BOTAUTH_VERIFY_CONCURRENCY", 16))


def health_write_interval() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "BOTAUTH_HEALTH_WRITE_INTERVAL", 300)))


def health_confirm_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "BOTAUTH_HEALTH_CONFIRM_AFTER", 3 * 3600)))
