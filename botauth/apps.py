from __future__ import annotations

import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# At DEBUG these print token secrets (requests_oauthlib) and OAuth headers (tweepy.client).
NOISY_LOGGERS = ("requests_oauthlib", "oauthlib", "tweepy")


class BotauthConfig(AppConfig):
    name = "botauth"
    verbose_name = _("X bot accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from botauth import checks  # noqa: F401

        for name in NOISY_LOGGERS:
            logger = logging.getLogger(name)
            if logger.level < logging.INFO:
                logger.setLevel(logging.INFO)
