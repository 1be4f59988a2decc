"""The sandbox's settings, read at call time, with their defaults."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def api_latency_seconds() -> float:
    return int(getattr(settings, "SANDBOX_API_LATENCY_MS", 0)) / 1000


def enforce_rate_limits() -> bool:
    return bool(getattr(settings, "SANDBOX_ENFORCE_RATE_LIMITS", True))


def media_check_after_secs() -> int:
    """What STATUS and FINALIZE tell a client to wait before polling again (X sends 1 or more)."""
    return int(getattr(settings, "SANDBOX_MEDIA_CHECK_AFTER_SECS", 1))


def request_token_ttl() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "SANDBOX_REQUEST_TOKEN_TTL", 15 * 60)))


def provisioned_consumer() -> tuple[str, str] | None:
    """The consumer key and secret the sandbox must accept, if it provisions one."""
    if not getattr(settings, "SANDBOX_PROVISION_CONSUMER", False):
        return None
    key = getattr(settings, "TWITTER_CONSUMER_API_KEY", "")
    secret = getattr(settings, "TWITTER_CONSUMER_API_KEY_SECRET", "")
    if not key or not secret:
        return None
    return str(key), str(secret)
