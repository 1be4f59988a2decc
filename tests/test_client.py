from __future__ import annotations

import json
import time
from typing import Any

import pytest
import tweepy
from requests_oauthlib import OAuth1

from botauth.client import BotClient
from botauth.exceptions import NotLinkedError
from botauth.transport import XSession
from tests import spec, xmedia, xmock
from tests.helpers import make_linked

TWEETS_URL = f"{xmock.API}/2/tweets"
POST_ID = "1456012973835788293"


def created(text: str) -> dict[str, Any]:
    body = {"data": {"id": POST_ID, "text": text}}
    spec.validate("CreatePostsResponse", body)
    return body


def post_answer(x, text: str) -> None:
    x.post(
        TWEETS_URL,
        json=created(text),
        status=201,
        headers={"location": f"{xmock.API}/2/tweets/{POST_ID}"},
    )


def test_get_tweepy_client_is_a_bot_client(db):
    client = make_linked("poster").get_tweepy_client()
    assert isinstance(client, BotClient)
    assert isinstance(client, tweepy.Client)
    assert isinstance(client.session, XSession)
    assert client.session.default_timeout is None  # BOTAUTH_REQUEST_TIMEOUT at request time
    assert client.sleep is time.sleep
    assert client.wait_on_rate_limit is False


def test_get_tweepy_client_passes_timeout_and_sleep(db):
    naps: list[float] = []
    client = make_linked("napper").get_tweepy_client(timeout=4, sleep=naps.append)
    assert client.session.default_timeout == 4
    client.sleep(2)
    assert naps == [2]


def test_user_context_auth_is_the_bots_oauth1(db):
    auth = make_linked("signer").get_tweepy_client().user_context_auth()
    assert isinstance(auth, OAuth1)
    assert auth.client.client_key == "test-consumer-key"
    assert auth.client.resource_owner_key == f"{xmock.USER_ID}-accesstokensigner"
    assert auth.client.resource_owner_secret == "accesssecretsigner"


def test_a_client_without_access_pair_cannot_upload(x, tmp_path):
    client = BotClient(bearer_token="app-only")
    path = tmp_path / "a.png"
    path.write_bytes(xmedia.PNG)
    with pytest.raises(NotLinkedError, match="Media upload acts as a user"):
        client.media_upload(str(path))
    assert len(x.calls) == 0


def test_create_tweet_sends_the_media_ids(db, x):
    post_answer(x, "Today's chart")
    client = make_linked("poster").get_tweepy_client()
    response = client.create_tweet(text="Today's chart", media_ids=[xmedia.MEDIA_ID])
    assert response.data == {"id": POST_ID, "text": "Today's chart"}
    request = x.calls[0].request
    assert json.loads(request.body) == {
        "text": "Today's chart",
        "media": {"media_ids": [xmedia.MEDIA_ID]},
    }
    assert request.req_kwargs["timeout"] == 10.0
    assert xmedia.oauth1_signature_valid(request, token_secret="accesssecretposter")


def test_upload_then_post_with_the_media_id(linked, x, tmp_path):
    x.post(xmedia.UPLOAD_URL, json=xmedia.one_shot_answer(size=len(xmedia.PNG)))
    post_answer(x, "Today's chart")
    path = tmp_path / "chart.png"
    path.write_bytes(xmedia.PNG)
    client = linked.get_tweepy_client()

    uploaded = client.media_upload(str(path))
    client.create_tweet(text="Today's chart", media_ids=[uploaded.media_id])

    assert [c.request.url for c in x.calls] == [xmedia.UPLOAD_URL, TWEETS_URL]
    assert json.loads(x.calls[1].request.body)["media"] == {"media_ids": [xmedia.MEDIA_ID]}


def test_an_upload_fails_like_create_tweet(linked, x, tmp_path):
    forbidden = xmedia.problem(
        403, "Forbidden", "You are not permitted to perform this action.", "about:blank"
    )
    for url in (TWEETS_URL, xmedia.UPLOAD_URL):
        x.post(url, json=forbidden, status=403, content_type="application/problem+json")
    path = tmp_path / "chart.png"
    path.write_bytes(xmedia.PNG)
    client = linked.get_tweepy_client()

    with pytest.raises(tweepy.Forbidden) as posting:
        client.create_tweet(text="hello")
    with pytest.raises(tweepy.Forbidden) as uploading:
        client.media_upload(str(path))
    assert str(posting.value) == str(uploading.value)
    assert uploading.value.api_messages == posting.value.api_messages
    assert len(x.calls) == 2


def test_an_oauth2_user_token_plugs_in_through_user_context_auth(linked, x, tmp_path):
    class OAuth2BotClient(BotClient):
        def user_context_auth(self):
            return tweepy.OAuth2BearerHandler("user-access-token")

    x.post(xmedia.UPLOAD_URL, json=xmedia.one_shot_answer(size=len(xmedia.PNG)))
    path = tmp_path / "chart.png"
    path.write_bytes(xmedia.PNG)
    OAuth2BotClient().media_upload(str(path))
    assert x.calls[0].request.headers["Authorization"] == "Bearer user-access-token"
