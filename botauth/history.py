"""The admin's history of a bot account: link, re-link, unlink and verification, and by whom."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry

from botauth.models import BotAccount


def record(*, user: Any, accounts: Iterable[BotAccount], message: str) -> None:
    """One LogEntry per account (one INSERT for many), shown on its History page."""
    accounts = list(accounts)
    if not accounts or user is None or not user.is_authenticated:
        return
    # log_actions() is the API of Django 5.1 onwards; log_action() is gone in 6.0.
    LogEntry.objects.log_actions(
        user_id=user.pk, queryset=accounts, action_flag=CHANGE, change_message=message
    )
