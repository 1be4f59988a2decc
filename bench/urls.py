from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from bench.views import touch
from project.urls import urlpatterns as project_urlpatterns

urlpatterns: list[URLPattern | URLResolver] = [
    *project_urlpatterns,
    path("bench/touch/<int:pk>/", touch, name="bench_touch"),
]
