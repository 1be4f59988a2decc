from __future__ import annotations

from django.apps import AppConfig
from django.core.checks import Tags, register
from django.utils.translation import gettext_lazy as _


class BotauthConfig(AppConfig):
    name = "botauth"
    verbose_name = _("X bot accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from botauth import checks

        register(checks.check_sandbox, checks.TAG)
        register(checks.check_credentials, checks.TAG)
        register(checks.check_oauth2_scopes, checks.TAG)
        register(checks.check_encryption_keys, checks.TAG, Tags.security)
        register(checks.check_callback_url, checks.TAG)
        register(checks.check_session_cookie, checks.TAG)
        register(checks.check_exception_reporter_filter, checks.TAG, Tags.security)
        register(checks.check_callback_url_deploy, checks.TAG, Tags.security, deploy=True)
