"""botauth's settings, read at call time, with their defaults."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from botauth.exceptions import BotauthConfigurationError

X_API_URL = "https://api.twitter.com"
X_UPLOAD_URL = "https://upload.twitter.com"
# OAuth 2.0 lives on X's newer names: tokens at api.x.com, the consent page on x.com.
X_OAUTH2_API_URL = "https://api.x.com"
X_WEB_URL = "https://x.com"
# Every origin of X botauth sends to; all of them go to BOTAUTH_X_API_URL when it is set.
X_ORIGINS = (X_API_URL, X_UPLOAD_URL, X_OAUTH2_API_URL, X_WEB_URL)
OAUTH1 = "oauth1"
OAUTH2 = "oauth2"
# What a posting bot needs (X_FACTS.md): read, post, identity, refresh, media upload.
DEFAULT_OAUTH2_SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write")
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


def sandbox_client() -> tuple[str, str] | None:
    """The OAuth 2.0 Client ID and Secret derived from SECRET_KEY while the sandbox is on and
    no X Client ID is set."""
    if not sandbox_enabled() or _x_client() != ("", ""):
        return None
    from botauth_sandbox.keys import derive_oauth2_client

    return derive_oauth2_client(str(settings.SECRET_KEY))


def consumer_credentials() -> tuple[str, str]:
    key, secret = sandbox_consumer() or _x_consumer()
    if not key or not secret:
        raise BotauthConfigurationError(
            _(
                "Set TWITTER_CONSUMER_API_KEY and TWITTER_CONSUMER_API_KEY_SECRET to your X "
                "app's API key and secret (developer portal > your app > Keys and tokens)."
            )
        )
    return key, secret


def _x_consumer() -> tuple[str, str]:
    return (
        str(getattr(settings, "TWITTER_CONSUMER_API_KEY", "") or ""),
        str(getattr(settings, "TWITTER_CONSUMER_API_KEY_SECRET", "") or ""),
    )


def client_credentials() -> tuple[str, str]:
    client_id, secret = sandbox_client() or _x_client()
    if not client_id or not secret:
        raise BotauthConfigurationError(
            _(
                "Set TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET to your X app's OAuth 2.0 Client "
                "ID and Client Secret (developer portal > your app > Keys and tokens > OAuth 2.0 "
                "Client ID and Client Secret)."
            )
        )
    return client_id, secret


def _x_client() -> tuple[str, str]:
    return (
        str(getattr(settings, "TWITTER_CLIENT_ID", "") or ""),
        str(getattr(settings, "TWITTER_CLIENT_SECRET", "") or ""),
    )


def setting_text(name: str) -> str:
    """A credential setting as set, "" when unset (for the checks that name the missing half)."""
    return str(getattr(settings, name, "") or "")


def oauth1_configured() -> bool:
    return all(sandbox_consumer() or _x_consumer())


def oauth2_configured() -> bool:
    """A Client ID is set (or derived for the sandbox); its secret is checked when used."""
    return bool((sandbox_client() or _x_client())[0])


def default_protocol() -> str:
    """OAuth 2.0 when a Client ID is configured (X's recommendation), OAuth 1.0a otherwise."""
    return OAUTH2 if oauth2_configured() else OAUTH1


def oauth2_scopes() -> tuple[str, ...]:
    """BOTAUTH_OAUTH2_SCOPES: a space-separated string or a list; empty means the default."""
    value = getattr(settings, "BOTAUTH_OAUTH2_SCOPES", None) or ""
    if isinstance(value, str):
        names = value.split()
    elif isinstance(value, list | tuple):
        names = [str(v).strip() for v in value]
    else:
        raise BotauthConfigurationError(
            _(
                "BOTAUTH_OAUTH2_SCOPES must be a space-separated string or a list of X's scope "
                "names, not %(type)s."
            )
            % {"type": type(value).__name__}
        )
    return tuple(dict.fromkeys(n for n in names if n)) or DEFAULT_OAUTH2_SCOPES


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


def oauth2_refresh_margin() -> timedelta:
    """How long before its expiry an OAuth 2.0 access token is refreshed (X's live 2 hours)."""
    value = getattr(settings, "BOTAUTH_OAUTH2_REFRESH_MARGIN", 300)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 <= seconds < 7200:
        raise BotauthConfigurationError(
            _(
                "BOTAUTH_OAUTH2_REFRESH_MARGIN must be a number of seconds from 0 to under 7200 "
                "(X's tokens live 2 hours), not %(value)r."
            )
            % {"value": value}
        )
    return timedelta(seconds=seconds)
