"""A real client library against the live sandbox (tweepy's OAuth2UserHandler, an OAuth2Session)."""

from __future__ import annotations

import re

import pytest
import requests
import tweepy
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from botauth.transport import RoutedMixin, XSession
from botauth_sandbox.models import OAuth2Client, OAuth2Grant, OAuth2Token, SandboxApp, SandboxUser

REDIRECT = "https://bot.example.com/callback"
TOKEN_URL = "https://api.twitter.com/2/oauth2/token"


class RoutedOAuth2UserHandler(RoutedMixin, tweepy.OAuth2UserHandler):  # type: ignore[misc]
    """tweepy's handler with its requests sent where botauth routes X's API host."""


def consent(live_url: str, authorization_url: str, username: str) -> str:
    browser = requests.Session()
    page_url = f"{live_url}/sandbox/i/oauth2/authorize?{authorization_url.partition('?')[2]}"
    page = browser.get(page_url)
    csrf = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[0]
    redirect = browser.post(
        page_url,
        {"csrfmiddlewaretoken": csrf, "username": username, "action": "authorize"},
        headers={"Referer": page_url},
        allow_redirects=False,
    )
    assert redirect.status_code == 302, redirect.text
    return str(redirect.headers["Location"])


@pytest.mark.django_db(transaction=True)
def test_tweepy_links_calls_and_refreshes_through_botauth_routing(
    live_server, settings, monkeypatch
):
    # requests-oauthlib refuses plain http at request time, after routing to the live server.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    app = SandboxApp.objects.create(
        name="live",
        key="live-consumer-key-123",
        secret="live-consumer-secret-456",
        callback_urls=REDIRECT,
    )
    client = OAuth2Client.objects.create(
        app=app, client_id="bGl2ZS1jbGllbnQtaWQ6MTpjaQ", client_secret="live-client-secret-789"
    )
    settings.BOTAUTH_X_API_URL = live_server.url + "/sandbox"
    handler = RoutedOAuth2UserHandler(
        client_id=client.client_id,
        redirect_uri=REDIRECT,
        scope=["tweet.read", "tweet.write", "users.read", "offline.access"],
        client_secret=client.client_secret,
    )
    authorization_url = handler.get_authorization_url()
    assert authorization_url.startswith("https://twitter.com/i/oauth2/authorize?")

    token = handler.fetch_token(consent(live_server.url, authorization_url, "interopbot"))

    user = SandboxUser.objects.get(username="interopbot")
    assert token["token_type"] == "bearer"
    assert token["scope"] == ["tweet.read", "tweet.write", "users.read", "offline.access"]
    assert OAuth2Grant.objects.get().user == user
    api = tweepy.Client(bearer_token=token["access_token"])
    api.session = XSession()
    me = api.get_me(user_auth=False)
    assert (me.data.id, me.data.username) == (int(user.user_id), "interopbot")

    refreshed = handler.refresh_token(
        TOKEN_URL, refresh_token=token["refresh_token"], auth=handler.auth
    )

    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert OAuth2Token.objects.filter(refreshed=True).count() == 1
    with pytest.raises(OAuth2Error) as refused:
        handler.refresh_token(TOKEN_URL, refresh_token=token["refresh_token"], auth=handler.auth)
    assert (refused.value.error, refused.value.description) == (
        "invalid_request",
        "Value passed for the token was invalid.",
    )
    api = tweepy.Client(bearer_token=refreshed["access_token"])
    api.session = XSession()
    assert api.get_me(user_auth=False).data.username == "interopbot"
    assert OAuth2Token.objects.count() == 2
