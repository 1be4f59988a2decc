"""botauth's system checks: one function per concern, registered in BotauthConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.translation import gettext as _

from botauth import conf, scopes
from botauth.exceptions import BotauthConfigurationError

# Every botauth check carries this tag: `manage.py check --tag botauth` runs them alone.
TAG = "botauth"


def check_sandbox(**kwargs: Any) -> list[CheckMessage]:
    value = conf.sandbox_setting()
    if not isinstance(value, bool):
        return [
            Error(
                _("BOTAUTH_SANDBOX must be True or False, not %(value)r.") % {"value": value},
                hint=_("Set it to a bool, e.g. BOTAUTH_SANDBOX = DEBUG."),
                id="botauth.E007",
            )
        ]
    if not value:
        return []
    if not apps.is_installed("botauth_sandbox"):
        return [
            Error(
                _("BOTAUTH_SANDBOX is on, but the botauth_sandbox app is not installed."),
                hint=_(
                    'Add "botauth_sandbox" to INSTALLED_APPS (pip install '
                    '"django-botauth[sandbox]"), or set BOTAUTH_SANDBOX = False.'
                ),
                id="botauth.E005",
            )
        ]
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("botauth_sandbox:request_token")
    except NoReverseMatch:
        return [
            Error(
                _("BOTAUTH_SANDBOX is on, but the sandbox's URLs are not included."),
                hint=_(
                    'Add path("sandbox/", include("botauth_sandbox.urls")) to your root URLconf '
                    "(or set BOTAUTH_SANDBOX_URL to where you included them)."
                ),
                id="botauth.E006",
            )
        ]
    return []


def check_encryption_keys(**kwargs: Any) -> list[CheckMessage]:
    if not conf.encryption_keys():
        return [
            Error(
                _("BOTAUTH_ENCRYPTION_KEYS is empty: tokens cannot be stored encrypted."),
                hint=_(
                    "Generate a key with `python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'` and set BOTAUTH_ENCRYPTION_KEYS to "
                    "it."
                ),
                id="botauth.E002",
            )
        ]
    from botauth.encryption import multi_fernet

    try:
        multi_fernet()
    except BotauthConfigurationError as err:
        return [Error(str(err), hint=_("Fix or remove that key."), id="botauth.E003")]
    return []


def check_callback_url(**kwargs: Any) -> list[CheckMessage]:
    callback = conf.callback_url()
    if callback and not callback.startswith(("http://", "https://")):
        return [
            Error(
                _("BOTAUTH_CALLBACK_URL %(url)r is not an absolute http(s) URL.")
                % {"url": callback},
                hint=_("Set it to the exact callback URL registered in the X developer portal."),
                id="botauth.E004",
            )
        ]
    return []


def check_session_cookie(**kwargs: Any) -> list[CheckMessage]:
    # Django and browsers accept SameSite in any case.
    if str(getattr(settings, "SESSION_COOKIE_SAMESITE", "Lax")).lower() == "strict":
        return [
            Warning(
                _(
                    "SESSION_COOKIE_SAMESITE is 'Strict': the redirect back from X will arrive "
                    "without the session cookie and the link will fail."
                ),
                hint=_("Use 'Lax' (Django's default)."),
                id="botauth.W001",
            )
        ]
    return []


def check_settings(**kwargs: Any) -> list[CheckMessage]:
    """Every check of botauth's own settings, credentials first (not registered itself)."""
    return [
        *check_credentials(),
        *check_oauth2_scopes(),
        *check_encryption_keys(),
        *check_callback_url(),
        *check_session_cookie(),
    ]


DEFAULT = " ".join(conf.DEFAULT_OAUTH2_SCOPES)
# (names, protocol, the id of "only one of them is set").
PAIRS = (
    (("TWITTER_CLIENT_ID", "TWITTER_CLIENT_SECRET"), "OAuth 2.0", "botauth.E020"),
    (("TWITTER_CONSUMER_API_KEY", "TWITTER_CONSUMER_API_KEY_SECRET"), "OAuth 1.0a", "botauth.E021"),
)


def check_credentials(**kwargs: Any) -> list[CheckMessage]:
    """At least one protocol's pair is set, and no pair is half set."""
    errors: list[CheckMessage] = []
    complete = False
    for names, protocol, half_id in PAIRS:
        given = [name for name in names if conf.setting_text(name)]
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
    derived = conf.sandbox_consumer() or conf.sandbox_client()
    if not complete and derived is None:
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
                    "from the developer portal (Keys and tokens), or set BOTAUTH_SANDBOX = True "
                    "(with the botauth_sandbox app installed) to develop against botauth's "
                    "sandbox of X."
                ),
                id="botauth.E001",
            ),
        )
    return errors


def check_oauth2_scopes(**kwargs: Any) -> list[CheckMessage]:
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


def check_exception_reporter_filter(**kwargs: Any) -> list[CheckMessage]:
    from botauth import reporting

    if reporting.is_installed():
        return []
    return [
        Warning(
            _(
                "DEFAULT_EXCEPTION_REPORTER_FILTER is not botauth's: with DEBUG on, Django's "
                "error page shows the tokens of a bot whose code crashes outside botauth's own "
                "views."
            ),
            hint=_("Set DEFAULT_EXCEPTION_REPORTER_FILTER = %(path)r (or a subclass of it).")
            % {"path": reporting.FILTER_PATH},
            id="botauth.W010",
        )
    ]


def check_callback_url_deploy(**kwargs: Any) -> list[CheckMessage]:
    callback = conf.callback_url()
    if settings.DEBUG or callback.startswith("https://"):
        return []
    if not callback:
        problem = _(
            "BOTAUTH_CALLBACK_URL is not set: the callback sent to X is built from each "
            "request's Host header and scheme, which a proxy or a forged Host can change."
        )
    else:
        problem = _(
            "BOTAUTH_CALLBACK_URL %(url)r is not https: X would send the request token and "
            "verifier to it unencrypted."
        ) % {"url": callback}
    return [
        Warning(
            problem,
            hint=_(
                "Set BOTAUTH_CALLBACK_URL to the https callback URL registered in the X "
                "developer portal, e.g. 'https://bots.example.com/botauth/callback/'."
            ),
            id="botauth.W011",
        )
    ]
