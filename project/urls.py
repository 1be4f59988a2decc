from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

urlpatterns: list[URLPattern | URLResolver] = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("botauth/", include("botauth.urls")),
]
if apps.is_installed("botauth_sandbox"):
    urlpatterns.append(path("sandbox/", include("botauth_sandbox.urls")))
