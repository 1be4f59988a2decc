"""X served in-process: botauth's mount point and the transport that hands requests to Django."""

from __future__ import annotations

import base64
import threading
from typing import Any

import pytest
import requests
import tweepy
from requests.adapters import HTTPAdapter
from requests_oauthlib import OAuth1

from botauth import transport
from botauth.transport import XOAuth1Session, XSession, mounted
from botauth_sandbox.inprocess import InProcessAdapter

BASE = "http://testserver/echo"


@pytest.fixture
def echo(settings, db):
    settings.ROOT_URLCONF = "tests.inprocess_urls"
    settings.BOTAUTH_X_API_URL = BASE
    adapter = InProcessAdapter(BASE)
    with mounted(adapter, "http://", "https://"):
        yield adapter


def decoded(response: requests.Response) -> dict[str, Any]:
    seen: dict[str, Any] = response.json()
    seen["body"] = base64.b64decode(seen["body"])
    return seen


def test_a_routed_x_request_reaches_the_view_as_sent(echo):
    response = XSession().post(
        "https://api.twitter.com/2/tweets?expansions=author_id",
        json={"text": "hello"},
        auth=OAuth1(
            "key", client_secret="secret", resource_owner_key="1-t", resource_owner_secret="s"
        ),
    )

    seen = decoded(response)
    assert response.status_code == 201
    assert response.headers["x-rate-limit-remaining"] == "74"
    assert response.headers["Content-Type"] == "application/json"
    assert response.url == f"{BASE}/2/tweets?expansions=author_id"
    assert seen["method"] == "POST"
    assert seen["uri"] == f"{BASE}/2/tweets?expansions=author_id"
    assert seen["query"] == {"expansions": "author_id"}
    assert seen["content_type"] == "application/json"
    assert seen["body"] == b'{"text": "hello"}'
    assert seen["authorization"].startswith("OAuth ")


def test_multipart_upload_arrives_as_files(echo):
    response = XSession().post(
        "https://upload.twitter.com/2/media/upload",
        data={"media_category": "tweet_image"},
        files={"media": ("chart.png", b"\x89PNG-bytes", "image/png")},
    )

    seen = decoded(response)
    assert seen["post"] == {"media_category": ["tweet_image"]}
    assert {k: base64.b64decode(v) for k, v in seen["files"].items()} == {"media": b"\x89PNG-bytes"}
    assert seen["content_type"] == "multipart/form-data"


def test_streamed_bodies_are_read_whole(echo, tmp_path):
    chunks = (part for part in [b"first;", b"second;"])
    from_generator = decoded(XSession().post(f"{BASE}/gen", data=chunks))
    video = tmp_path / "video.mp4"
    video.write_bytes(b"\x00\x01" * 1000)
    with video.open("rb") as file:
        from_file = decoded(XSession().post(f"{BASE}/file", data=file))

    assert from_generator["body"] == b"first;second;"
    assert from_file["body"] == b"\x00\x01" * 1000


def test_streaming_responses_are_read_whole(echo):
    response = XSession().get(f"{BASE}/stream")

    assert response.text == "chunk0;chunk1;chunk2;"


def test_oauth_sessions_are_served_too(echo):
    response = XOAuth1Session("key", client_secret="secret").get(
        "https://api.twitter.com/oauth/anything"
    )

    assert decoded(response)["uri"] == f"{BASE}/oauth/anything"


def test_anything_else_is_refused_without_leaving_the_process(echo, settings):
    settings.BOTAUTH_X_API_URL = "https://api.twitter.com"

    with pytest.raises(
        requests.ConnectionError, match=r"refuses https://api\.twitter\.com/2/users/me"
    ):
        XSession().get("https://api.twitter.com/2/users/me")


def test_sessions_made_before_mounting_use_it(settings, db):
    settings.ROOT_URLCONF = "tests.inprocess_urls"
    settings.BOTAUTH_X_API_URL = BASE
    session = XSession()
    with mounted(InProcessAdapter(BASE), "http://"):
        assert session.get(f"{BASE}/early").status_code == 201
    assert isinstance(session.get_adapter(f"{BASE}/early"), HTTPAdapter)
    assert not isinstance(session.get_adapter(f"{BASE}/early"), InProcessAdapter)


def test_plain_requests_sessions_are_untouched(echo):
    assert not isinstance(requests.Session().get_adapter(BASE), InProcessAdapter)


def test_the_longest_prefix_wins_and_mounts_are_removed():
    wide, narrow = HTTPAdapter(), HTTPAdapter()
    with mounted(wide, "http://"), mounted(narrow, "http://testserver/"):
        session = XSession()
        assert session.get_adapter("http://testserver/x") is narrow
        assert session.get_adapter("HTTP://other/x") is wide
    assert transport._mounted == {}


def test_one_adapter_per_prefix():
    with mounted(HTTPAdapter(), "http://"):
        with (
            pytest.raises(RuntimeError, match="already mounted"),
            mounted(HTTPAdapter(), "http://"),
        ):
            pass
        assert len(transport._mounted) == 1
    assert transport._mounted == {}


def test_a_request_from_another_thread_in_a_test_transaction_says_what_to_do(echo):
    errors: list[BaseException] = []

    def call() -> None:
        try:
            XSession().get(f"{BASE}/from-thread")
        except requests.ConnectionError as err:
            errors.append(err)

    thread = threading.Thread(target=call)
    thread.start()
    thread.join()

    assert len(errors) == 1
    assert "use transactional_db" in str(errors[0])


@pytest.mark.django_db(transaction=True)
def test_requests_from_other_threads_are_served_outside_a_transaction(settings):
    settings.ROOT_URLCONF = "tests.inprocess_urls"
    statuses: list[int] = []
    with mounted(InProcessAdapter(BASE), "http://"):
        threads = [
            threading.Thread(
                target=lambda: statuses.append(XSession().get(f"{BASE}/t").status_code)
            )
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert statuses == [201] * 4


def test_tweepy_client_errors_come_through_as_tweepy_errors(echo, settings):
    settings.ROOT_URLCONF = "tests.inprocess_urls"
    client = tweepy.Client(
        consumer_key="k", consumer_secret="s", access_token="1-t", access_token_secret="s"
    )
    client.session = XSession()

    response = client.request("GET", "/2/users/me", user_auth=True)

    assert response.status_code == 201
