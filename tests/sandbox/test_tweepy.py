from __future__ import annotations

import re

import pytest
import requests
import tweepy

from botauth.transport import XOAuth1Session, XSession
from botauth_sandbox.models import AccessToken, RateLimitWindow, SandboxApp, SandboxUser


@pytest.mark.django_db(transaction=True)
def test_tweepy_get_me_through_botauth_routing(live_server, settings):
    app = SandboxApp.objects.create(
        name="live", key="live-consumer-key-123", secret="live-consumer-secret-456"
    )
    user = SandboxUser.objects.create(username="livebot", name="Live Bot")
    pair = AccessToken.objects.create(
        token=f"{user.user_id}-livetokenlivetokenlivetoken",
        secret="livesecretlivesecretlivesecret",
        app=app,
        user=user,
    )
    settings.BOTAUTH_X_API_URL = live_server.url + "/sandbox"
    settings.TWITTER_CONSUMER_API_KEY = app.key
    settings.TWITTER_CONSUMER_API_KEY_SECRET = app.secret
    client = tweepy.Client(
        consumer_key=app.key,
        consumer_secret=app.secret,
        access_token=pair.token,
        access_token_secret=pair.secret,
    )
    client.session = XSession()

    response = client.get_me(user_auth=True)

    assert (response.data.id, response.data.username) == (int(user.user_id), "livebot")
    assert RateLimitWindow.objects.get(user=user).used == 1


@pytest.mark.django_db(transaction=True)
def test_requests_oauthlib_three_legged_flow_through_botauth_routing(live_server, settings):
    app = SandboxApp.objects.create(
        name="live", key="live-consumer-key-123", secret="live-consumer-secret-456"
    )
    settings.BOTAUTH_X_API_URL = live_server.url + "/sandbox"
    oauth = XOAuth1Session(app.key, client_secret=app.secret, callback_uri="oob")
    request_token = oauth.fetch_request_token("https://api.twitter.com/oauth/request_token")
    browser = requests.Session()
    authorize = (
        f"{live_server.url}/sandbox/oauth/authorize?oauth_token={request_token['oauth_token']}"
    )
    page = browser.get(authorize)
    csrf = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[0]
    pin_page = browser.post(
        authorize,
        {"csrfmiddlewaretoken": csrf, "username": "flowbot", "action": "authorize"},
        headers={"Referer": authorize},
    )
    pin = re.findall(r'<p id="pin">(\d+)</p>', pin_page.text)[0]
    oauth = XOAuth1Session(
        app.key,
        client_secret=app.secret,
        resource_owner_key=request_token["oauth_token"],
        resource_owner_secret=request_token["oauth_token_secret"],
        verifier=pin,
    )

    access = oauth.fetch_access_token("https://api.twitter.com/oauth/access_token")

    user = SandboxUser.objects.get(username="flowbot")
    assert (access["user_id"], access["screen_name"]) == (user.user_id, "flowbot")
    assert AccessToken.objects.get(user=user).token == access["oauth_token"]
