"""The sandbox's system check, registered in SandboxConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.utils.translation import gettext as _


def check_not_in_production(**kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG:
        return []
    return [
        Error(
            _("The X sandbox (botauth_sandbox) is installed while DEBUG is off."),
            hint=_(
                "It is a fake X for development and tests: remove 'botauth_sandbox' from "
                "INSTALLED_APPS and set BOTAUTH_SANDBOX = False in production. Its endpoints "
                "refuse to serve while DEBUG is off."
            ),
            id="botauth_sandbox.E001",
        )
    ]
