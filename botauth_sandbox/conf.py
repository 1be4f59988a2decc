"""The sandbox's settings, read at call time, with their defaults."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from botauth import conf as botauth_conf


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
    """The consumer key and secret the sandbox must accept: botauth's, when derived for it."""
    # A real X consumer pair is never copied into the sandbox's tables: only the pair botauth
    # derives from SECRET_KEY while BOTAUTH_SANDBOX is on and no X keys are set.
    return botauth_conf.sandbox_consumer()
