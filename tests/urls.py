"""The tests' root URLconf: admin, botauth and the sandbox where the demo project mounts them."""

from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

urlpatterns: list[URLPattern | URLResolver] = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("botauth/", include("botauth.urls")),
    path("sandbox/", include("botauth_sandbox.urls")),
]
