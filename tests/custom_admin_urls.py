"""A project that serves BotAccount on its own AdminSite, named "ops", and no default admin."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, include, path

from botauth.admin import BotAccountAdmin
from botauth.models import BotAccount


class OpsSite(AdminSite):
    site_header = "Bot operations"


class LockedBotsAdmin(BotAccountAdmin):
    """This site's own rule: a bot named "locked" is changed by nobody."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.name == "locked":
            return False
        return super().has_change_permission(request, obj)


site = OpsSite(name="ops")
site.register(BotAccount, LockedBotsAdmin)

urlpatterns: list[URLPattern | URLResolver] = [
    path("ops/", site.urls),
    path("botauth/", include("botauth.urls")),
]
