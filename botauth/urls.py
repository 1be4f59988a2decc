from __future__ import annotations

from django.urls import path

from botauth import views

app_name = "botauth"
urlpatterns = [
    path("link/<int:pk>/", views.authenticate_twitter, name="authenticate_twitter"),
    path("callback/", views.authenticate_twitter_callback, name="authenticate_twitter_callback"),
]
