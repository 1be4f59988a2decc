"""The sandbox's OAuth 2.0 settings, read at call time, with X's values as defaults."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from botauth import conf as botauth_conf


def access_token_ttl() -> timedelta:
    """X's access tokens live 2 hours; tests and benchmarks shorten it to expire them."""
    return timedelta(seconds=int(getattr(settings, "SANDBOX_OAUTH2_ACCESS_TOKEN_TTL", 7200)))


def code_ttl() -> timedelta:
    # X: "the code must be exchanged within 30 seconds".
    return timedelta(seconds=int(getattr(settings, "SANDBOX_OAUTH2_CODE_TTL", 30)))


def refresh_token_ttl() -> timedelta:
    # X's developer blog: six months (unverified today).
    return timedelta(
        seconds=int(getattr(settings, "SANDBOX_OAUTH2_REFRESH_TOKEN_TTL", 180 * 24 * 3600))
    )


def refresh_revokes_access_token() -> bool:
    """Whether a refresh also ends the old access token at once (X's behaviour is unverified)."""
    return bool(getattr(settings, "SANDBOX_OAUTH2_REFRESH_REVOKES_ACCESS_TOKEN", False))


def provisioned_client() -> tuple[str, str] | None:
    """The Client ID and Client Secret the sandbox must accept, if it provisions them."""
    # botauth's, when it derives one from SECRET_KEY (as it does the consumer pair).
    derived = botauth_conf.sandbox_client()
    if derived is not None:
        return derived
    if not getattr(settings, "SANDBOX_PROVISION_OAUTH2_CLIENT", False):
        return None
    client_id = getattr(settings, "TWITTER_CLIENT_ID", "")
    client_secret = getattr(settings, "TWITTER_CLIENT_SECRET", "")
    if not client_id or not client_secret:
        return None
    return str(client_id), str(client_secret)
