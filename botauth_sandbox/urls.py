from __future__ import annotations

from django.urls import path

from botauth_sandbox import views
from botauth_sandbox.guard import guarded

app_name = "botauth_sandbox"

urlpatterns = [
    path("oauth/request_token", views.request_token, name="request_token"),
    path("oauth/authorize", views.authorize, name="authorize"),
    path("oauth/authenticate", views.authorize, name="authenticate"),
    path("oauth/access_token", views.access_token, name="access_token"),
    path("oauth/invalidate_token", views.invalidate_token, name="invalidate_token"),
    path("1.1/oauth/invalidate_token", views.invalidate_token, name="invalidate_token_1_1"),
    path("2/users/me", views.users_me, name="users_me"),
    path(
        "1.1/account/verify_credentials.json",
        views.verify_credentials,
        name="verify_credentials",
    ),
]

# Last, so that every endpoint above refuses to serve outside development and tests.
urlpatterns = guarded(urlpatterns)
