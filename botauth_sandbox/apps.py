from __future__ import annotations

from django.apps import AppConfig
from django.core.checks import Tags, register
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    name = "botauth_sandbox"
    verbose_name = _("X sandbox")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin

        from botauth.checks import TAG
        from botauth_sandbox import checks
        from botauth_sandbox.oauth2.provisioning import provision_client_after_migrate
        from botauth_sandbox.provisioning import provision_after_migrate

        admin.site.site_header = _("botauth admin — SANDBOX")
        post_migrate.connect(provision_after_migrate, sender=self)
        post_migrate.connect(provision_client_after_migrate, sender=self)
        register(checks.check_not_in_production, TAG, Tags.security, deploy=True)
