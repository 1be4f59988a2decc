"""What Django's error reports (the DEBUG page, the ADMINS e-mail) may show of botauth's secrets.

Django honours ``sensitive_variables`` only while DEBUG is off, so with DEBUG on its error page
showed every token a crashing callback held. This filter is active whatever DEBUG says, hides
credentials inside URLs (``DATABASE_URL``) in settings, META and frames, and hides every token
read from the database wherever it travels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.views.debug import SafeExceptionReporterFilter

from botauth.fields import Decrypted

FILTER_PATH = "botauth.reporting.ExceptionReporterFilter"
# user:password@ in any URL: postgres://, redis://, amqp://, https://...
URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^\s:/@]*):[^\s/@]+@", re.I)
# An OAuth 1.0a Authorization header or query: oauth_token="..." carries the access token.
OAUTH_PARAM = re.compile(r'(?P<name>\boauth_(?:token|signature|verifier)="?)[^"&,\s]+')
# Locals of frames outside botauth's own (tweepy, requests-oauthlib, bot code) by their names.
SECRET_LOCAL = re.compile(
    r"token|secret|passw|signature|authorization|credential|resource_owner_key|api_key", re.I
)


class ExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's SafeExceptionReporterFilter, active even with DEBUG on, and stricter."""

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|DSN|CREDENTIAL", re.I
    )

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        if isinstance(value, Decrypted):
            return self.cleansed_substitute
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str):
            cleansed = URL_PASSWORD.sub(rf"\g<head>:{self.cleansed_substitute}@", cleansed)
            cleansed = OAUTH_PARAM.sub(rf"\g<name>{self.cleansed_substitute}", cleansed)
        return cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self._cleanse_local(name, value)) for name, value in variables]

    def _cleanse_local(self, name: str, value: Any) -> Any:
        if isinstance(value, Decrypted) or SECRET_LOCAL.search(name):
            return self.cleansed_substitute
        if type(value) in (str, dict, list, tuple):
            return self.cleanse_setting("", value)
        return value


def is_installed() -> bool:
    """True when the project's DEFAULT_EXCEPTION_REPORTER_FILTER is this filter or a subclass."""
    try:
        configured = import_string(settings.DEFAULT_EXCEPTION_REPORTER_FILTER)
    except ImportError:
        return False
    return isinstance(configured, type) and issubclass(configured, ExceptionReporterFilter)


def reports_safely(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Have a crash in this view reported through ExceptionReporterFilter, whatever the project
    set as DEFAULT_EXCEPTION_REPORTER_FILTER (Django reads request.exception_reporter_filter)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_installed():
            request.exception_reporter_filter = ExceptionReporterFilter()
        return view(request, *args, **kwargs)

    return wrapper
