from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from bench.views import sandbox_post, touch
from botauth_sandbox import urls as sandbox_urls
from project.urls import urlpatterns as project_urlpatterns

urlpatterns: list[URLPattern | URLResolver] = [
    *project_urlpatterns,
    path("bench/touch/<int:pk>/", touch, name="bench_touch"),
]

# The refresh benchmark posts as OAuth 2.0 bots; until the sandbox serves POST /2/tweets itself
# (its posting endpoint, route "posts"), a stand-in authenticated by the sandbox's own code does.
if not any(getattr(route, "name", "") == "posts" for route in sandbox_urls.urlpatterns):
    urlpatterns.insert(0, path("sandbox/2/tweets", sandbox_post, name="bench_sandbox_post"))
