"""The exit codes botauth's reporting commands share: 0 all good, 1 some bots need attention,
2 usage or configuration errors."""

from __future__ import annotations

from typing import Any

from django.core.management.base import SystemCheckError

from botauth.management.base import TranslatedHelp


class ConfigurationErrorsExit2(TranslatedHelp):
    def check(self, *args: Any, **kwargs: Any) -> None:
        # A failed system check (E001: no X app keys, ...) is a configuration error: exit 2,
        # like the ones handle() finds itself, not SystemCheckError's default 1.
        try:
            super().check(*args, **kwargs)
        except SystemCheckError as err:
            raise SystemCheckError(str(err), returncode=2) from err
