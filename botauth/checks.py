from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.utils.translation import gettext as _

from botauth import conf, scopes
from botauth.exceptions import BotauthConfigurationError


@register()
def check_settings(**kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = [*check_credentials(), *check_oauth2_scopes()]
    if not conf.encryption_keys():
        errors.append(
            Error(
                "BOTAUTH_ENCRYPTION_KEYS is empty: tokens cannot be stored encrypted.",
                hint="Generate a key with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'` and set BOTAUTH_ENCRYPTION_KEYS to it.",
                id="botauth.E002",
            )
        )
    else:
        from botauth.encryption import multi_fernet

        try:
            multi_fernet()
        except BotauthConfigurationError as err:
            errors.append(Error(str(err), hint="Fix or remove that key.", id="botauth.E003"))
    callback = conf.callback_url()
    if callback and not callback.startswith(("http://", "https://")):
        errors.append(
            Error(
                f"BOTAUTH_CALLBACK_URL {callback!r} is not an absolute http(s) URL.",
                hint="Set it to the exact callback URL registered in the X developer portal.",
                id="botauth.E004",
            )
        )
    # Django and browsers accept SameSite in any case.
    if str(getattr(settings, "SESSION_COOKIE_SAMESITE", "Lax")).lower() == "strict":
        errors.append(
            Warning(
                "SESSION_COOKIE_SAMESITE is 'Strict': the redirect back from X will arrive "
                "without the session cookie and the link will fail.",
                hint="Use 'Lax' (Django's default).",
                id="botauth.W001",
            )
        )
    return errors


DEFAULT = " ".join(conf.DEFAULT_OAUTH2_SCOPES)
# (names, protocol, the id of "only one of them is set").
PAIRS = (
    (("TWITTER_CLIENT_ID", "TWITTER_CLIENT_SECRET"), "OAuth 2.0", "botauth.E020"),
    (("TWITTER_CONSUMER_API_KEY", "TWITTER_CONSUMER_API_KEY_SECRET"), "OAuth 1.0a", "botauth.E021"),
)


def check_credentials() -> list[CheckMessage]:
    """At least one protocol's pair is set, and no pair is half set."""
    errors: list[CheckMessage] = []
    complete = False
    for names, protocol, half_id in PAIRS:
        given = [name for name in names if getattr(settings, name, "")]
        complete = complete or len(given) == len(names)
        if len(given) == 1:
            missing = next(name for name in names if name not in given)
            errors.append(
                Error(
                    _("%(given)s is set but %(missing)s is not: %(protocol)s cannot be used.")
                    % {"given": given[0], "missing": missing, "protocol": protocol},
                    hint=_("Set both from the developer portal (Keys and tokens), or neither."),
                    id=half_id,
                )
            )
    if not complete:
        errors.insert(
            0,
            Error(
                _(
                    "No X app credentials: neither TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET "
                    "(OAuth 2.0) nor TWITTER_CONSUMER_API_KEY and TWITTER_CONSUMER_API_KEY_SECRET "
                    "(OAuth 1.0a) are both set."
                ),
                hint=_(
                    "Copy your X app's OAuth 2.0 Client ID and Secret, or its API key and secret, "
                    "from the developer portal (Keys and tokens), or turn on BOTAUTH_SANDBOX for "
                    "development."
                ),
                id="botauth.E001",
            ),
        )
    return errors


def check_oauth2_scopes() -> list[CheckMessage]:
    if not conf.oauth2_configured():
        return []
    try:
        requested = conf.oauth2_scopes()
    except BotauthConfigurationError as err:
        return [
            Error(
                str(err),
                hint=_("For example: %(default)s") % {"default": DEFAULT},
                id="botauth.E022",
            )
        ]
    malformed = [name for name in requested if not scopes.SCOPE_RE.fullmatch(name)]
    if malformed:
        return [
            Error(
                _("BOTAUTH_OAUTH2_SCOPES has names that are not X scopes: %(names)s.")
                % {"names": ", ".join(map(repr, malformed))},
                hint=_("Separate X's scope names with spaces, e.g. %(default)s")
                % {"default": DEFAULT},
                id="botauth.E022",
            )
        ]
    lacks = scopes.lacking(requested)
    if not lacks:
        return []
    return [
        Warning(
            _("BOTAUTH_OAUTH2_SCOPES lacks what a posting bot needs: %(consequences)s.")
            % {"consequences": scopes.describe(lacks)},
            hint=_("Use the default, %(default)s, or add the missing scopes.")
            % {"default": DEFAULT},
            id="botauth.W020",
        )
    ]
