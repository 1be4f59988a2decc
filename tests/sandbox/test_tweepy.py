from __future__ import annotations

import re

import pytest
import requests
import tweepy
from requests_oauthlib import OAuth1

from botauth.transport import XOAuth1Session, XSession
from botauth_sandbox.models import (
    AccessToken,
    Media,
    Post,
    RateLimitWindow,
    SandboxApp,
    SandboxUser,
)
from tests import spec
from tests.helpers import png

PNG = png(1, 1)


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


@pytest.mark.django_db(transaction=True)
def test_tweepy_client_posts_media_reads_and_deletes_against_the_sandbox(live_server, settings):
    """tweepy 4.17's own Client, unchanged, through botauth's routing to a live sandbox."""
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
    settings.SANDBOX_MEDIA_CHECK_AFTER_SECS = 0
    session = XSession()
    signer = OAuth1(app.key, app.secret, pair.token, pair.secret)
    client = tweepy.Client(
        consumer_key=app.key,
        consumer_secret=app.secret,
        access_token=pair.token,
        access_token_secret=pair.secret,
    )
    client.session = session
    # tweepy 4.17 has no v2 media upload: upload as a bot would with requests-oauthlib.
    uploaded = session.post(
        "https://api.twitter.com/2/media/upload",
        files={"media": ("pixel.png", PNG, "image/png")},
        data={"media_category": "tweet_image"},
        auth=signer,
    )
    media_id = uploaded.json()["data"]["id"]

    created = client.create_tweet(text="Posted by tweepy", media_ids=[media_id])
    post_id = created.data["id"]
    fetched = client.get_tweet(
        post_id,
        tweet_fields=["author_id", "attachments"],
        expansions=["attachments.media_keys"],
        user_auth=True,
    )
    by_id = client.get_user(id=user.user_id, user_fields=["created_at"], user_auth=True)
    me = client.get_me(user_fields=["public_metrics", "description"])
    post_before_delete = list(Post.objects.values_list("text", "media_ids"))
    deleted = client.delete_tweet(post_id)

    assert uploaded.status_code == 200
    spec.validate("MediaUploadResponse", uploaded.json())
    assert (created.data["id"], created.data["text"]) == (post_id, "Posted by tweepy")
    assert post_before_delete == [("Posted by tweepy", [media_id])]
    assert (fetched.data.id, fetched.data.text) == (int(post_id), "Posted by tweepy")
    assert fetched.data.author_id == int(user.user_id)
    assert fetched.data.edit_history_tweet_ids == [int(post_id)]
    assert fetched.includes["media"][0].media_key == f"3_{media_id}"
    assert fetched.includes["media"][0].type == "photo"
    assert (by_id.data.username, by_id.data.created_at is not None) == ("livebot", True)
    assert me.data.public_metrics["tweet_count"] == 1
    assert me.data.description == ""
    assert deleted.data == {"deleted": True}
    assert not Post.objects.exists()
    assert Media.objects.get().media_id == media_id


@pytest.mark.django_db(transaction=True)
def test_tweepy_sees_xs_errors_from_the_sandbox(live_server, settings):
    app = SandboxApp.objects.create(
        name="live", key="live-consumer-key-123", secret="live-consumer-secret-456"
    )
    user = SandboxUser.objects.create(username="livebot", name="Live Bot", access_level="read")
    pair = AccessToken.objects.create(
        token=f"{user.user_id}-livetokenlivetokenlivetoken",
        secret="livesecretlivesecretlivesecret",
        app=app,
        user=user,
    )
    settings.BOTAUTH_X_API_URL = live_server.url + "/sandbox"
    client = tweepy.Client(
        consumer_key=app.key,
        consumer_secret=app.secret,
        access_token=pair.token,
        access_token_secret=pair.secret,
    )
    client.session = XSession()

    with pytest.raises(tweepy.Forbidden) as read_only:
        client.create_tweet(text="not allowed")
    with pytest.raises(tweepy.BadRequest) as bad_field:
        client.get_me(user_fields=["not_a_field"])
    with pytest.raises(tweepy.TwitterServerError) as not_implemented:
        client.get_liked_tweets(user.user_id, user_auth=True)

    assert "oauth1 app permissions" in str(read_only.value)
    assert "The `user.fields` query parameter value [not_a_field]" in str(bad_field.value)
    assert str(not_implemented.value).startswith("501 Not Implemented\nThe sandbox does not")
    assert f"/2/users/{user.user_id}/liked_tweets" in str(not_implemented.value)
    assert not Post.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_chunked_video_over_http_then_posted_with_tweepy(live_server, settings):
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
    session = XSession()
    session.auth = OAuth1(app.key, app.secret, pair.token, pair.secret)
    segments = [b"\x00\x00\x00\x18ftypmp42" + b"v" * (3 * 1024 * 1024), b"w" * 1000]
    total = sum(map(len, segments))
    base = "https://api.twitter.com/2/media/upload"

    init = session.post(
        f"{base}/initialize",
        json={"media_type": "video/mp4", "total_bytes": total, "media_category": "tweet_video"},
    )
    media_id = init.json()["data"]["id"]
    appends = [
        session.post(
            f"{base}/{media_id}/append",
            files={"media": ("chunk", segment, "application/octet-stream")},
            data={"segment_index": str(index)},
        )
        for index, segment in enumerate(segments)
    ]
    finalize = session.post(f"{base}/{media_id}/finalize")
    states: list[str] = []
    while not states or states[-1] in ("pending", "in_progress"):
        polled = session.get(base, params={"command": "STATUS", "media_id": media_id})
        states.append(polled.json()["data"]["processing_info"]["state"])
    client = tweepy.Client(
        consumer_key=app.key,
        consumer_secret=app.secret,
        access_token=pair.token,
        access_token_secret=pair.secret,
    )
    client.session = XSession()
    posted = client.create_tweet(text="a video", media_ids=[media_id])

    assert [r.status_code for r in (init, *appends, finalize)] == [200, 200, 200, 200]
    assert finalize.json()["data"]["processing_info"]["state"] == "pending"
    assert states == ["in_progress", "succeeded"]
    media = Media.objects.get()
    assert (media.total_bytes, media.received_bytes, media.state) == (total, total, "succeeded")
    assert Post.objects.get(post_id=posted.data["id"]).media_ids == [media_id]
