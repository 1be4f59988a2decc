"""The default admin at /admin/ and the "ops" site at /ops/, both showing BotAccount."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from tests.custom_admin_urls import site

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("ops/", site.urls),
    path("botauth/", include("botauth.urls")),
]
