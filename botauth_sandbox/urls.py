from __future__ import annotations

from django.urls import path, re_path

from botauth_sandbox import api, uploads, views
from botauth_sandbox.guard import guarded
from botauth_sandbox.oauth2 import views as oauth2_views

app_name = "botauth_sandbox"

urlpatterns = [
    path("oauth/request_token", views.request_token, name="request_token"),
    path("oauth/authorize", views.authorize, name="authorize"),
    path("oauth/authenticate", views.authorize, name="authenticate"),
    path("oauth/access_token", views.access_token, name="access_token"),
    path("oauth/invalidate_token", views.invalidate_token, name="invalidate_token"),
    path("1.1/oauth/invalidate_token", views.invalidate_token, name="invalidate_token_1_1"),
    path("oauth/invalidate_token.json", views.invalidate_token, name="invalidate_token_json"),
    path(
        "1.1/oauth/invalidate_token.json",
        views.invalidate_token,
        name="invalidate_token_1_1_json",
    ),
    path("2/users/me", api.methods(GET=api.users_me), name="users_me"),
    path(
        "2/users/by/username/<str:username>",
        api.methods(GET=api.user_by_username),
        name="user_by_username",
    ),
    path("2/users/<str:id>", api.methods(GET=api.user_by_id), name="user"),
    path("2/tweets", api.posts_view, name="posts"),
    path("2/tweets/<str:id>", api.post, name="post"),
    path("2/media/upload", uploads.media_upload, name="media_upload"),
    path("2/media/upload/initialize", uploads.media_initialize, name="media_initialize"),
    path("2/media/upload/<str:id>/append", uploads.media_append, name="media_append"),
    path("2/media/upload/<str:id>/finalize", uploads.media_finalize, name="media_finalize"),
    path(
        "1.1/account/verify_credentials.json",
        views.verify_credentials,
        name="verify_credentials",
    ),
    # OAuth 2.0 (botauth_sandbox/oauth2/): X serves authorize on x.com, the rest on api.x.com.
    path("i/oauth2/authorize", oauth2_views.authorize, name="oauth2_authorize"),
    path("2/oauth2/authorize", oauth2_views.authorize, name="oauth2_authorize_api"),
    path("2/oauth2/token", oauth2_views.token, name="oauth2_token"),
    path("2/oauth2/revoke", oauth2_views.revoke, name="oauth2_revoke"),
    # Last: whatever else is asked of the sandbox gets a JSON problem, never an HTML page.
    re_path(r"^(?P<rest>.*)$", api.not_found, name="not_found"),
]

# Last, so that every endpoint above refuses to serve outside development and tests.
urlpatterns = guarded(urlpatterns)
