from __future__ import annotations

from django.urls import path

from botauth_sandbox import views
from botauth_sandbox.oauth2 import views as oauth2_views

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

# OAuth 2.0 (botauth_sandbox/oauth2/): X serves authorize on x.com, the rest on api.x.com.
urlpatterns += [
    path("i/oauth2/authorize", oauth2_views.authorize, name="oauth2_authorize"),
    path("2/oauth2/authorize", oauth2_views.authorize, name="oauth2_authorize_api"),
    path("2/oauth2/token", oauth2_views.token, name="oauth2_token"),
    path("2/oauth2/revoke", oauth2_views.revoke, name="oauth2_revoke"),
]
