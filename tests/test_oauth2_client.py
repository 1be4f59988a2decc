"""One client for both protocols: an OAuth 2.0 bot's calls carry its user token, always fresh."""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import timedelta
from typing import Any

import pytest
import tweepy
from django.core.management import call_command
from django.utils import timezone

from botauth import bearer
from botauth.client import BotClient
from botauth.exceptions import (
    BotauthConfigurationError,
    NotLinkedError,
    ReauthorizationRequiredError,
)
from botauth.models import BotAccount
from tests import spec, xmedia, xmock, xtoken
from tests.helpers import make_linked
from tests.xtoken import TokenX, access, oauth2_bot

API = xmock.API
POST_ID = "1456012973835788293"


@pytest.fixture(autouse=True)
def one_process_per_test():
    # These tests reuse token values; a real process never sees one twice.
    bearer._bots.clear()


@pytest.fixture(autouse=True)
def client_app(settings):
    settings.TWITTER_CLIENT_ID = xtoken.CLIENT_ID
    settings.TWITTER_CLIENT_SECRET = xtoken.CLIENT_SECRET


def created(text: str = "hello") -> dict[str, Any]:
    body = {"data": {"id": POST_ID, "text": text}}
    spec.validate("CreatePostsResponse", body)
    return body


def post() -> dict[str, Any]:
    body = {"data": {"id": POST_ID, "text": "hello", "edit_history_tweet_ids": [POST_ID]}}
    spec.validate("GetPostsByIdResponse", body)
    return body


def user(username: str = xtoken.USERNAME) -> dict[str, Any]:
    body = {"data": {"id": xtoken.USER_ID, "name": "Tweepy Testing", "username": username}}
    spec.validate("GetUsersMeResponse", body)
    spec.validate("GetUsersByUsernameResponse", body)
    return body


def unauthorized(x, method: str, url: str) -> None:
    spec.validate_problem(xtoken.UNAUTHORIZED)
    x.add(
        method, url, json=xtoken.UNAUTHORIZED, status=401, content_type="application/problem+json"
    )


def bearer_of(call) -> str:
    return str(call.request.headers["Authorization"])


class Clock:
    """Moves the time botauth sees (the client's and the database's) forward."""

    def __init__(self, monkeypatch) -> None:
        self.offset = 0.0
        real_time, real_now = time.time, timezone.now
        monkeypatch.setattr("botauth.bearer.time.time", lambda: real_time() + self.offset)
        monkeypatch.setattr(
            "botauth.refresh.timezone.now", lambda: real_now() + timedelta(seconds=self.offset)
        )

    def advance(self, delta: timedelta) -> None:
        self.offset += delta.total_seconds()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def test_an_oauth2_bot_gets_the_same_bot_client(db):
    client = oauth2_bot().get_tweepy_client(timeout=4)
    assert isinstance(client, BotClient)
    assert isinstance(client.user_context_auth(), bearer.OAuth2UserAuth)
    assert client.session.default_timeout == 4
    assert client.user_id == xtoken.USER_ID
    assert access(0) not in repr(client.user_context_auth())
    assert client.access_token is None and client.access_token_secret is None


def test_every_call_bot_code_makes_sends_the_user_token_without_user_auth(db, x, tmp_path):
    x.post(f"{API}/2/tweets", json=created(), status=201)
    x.get(f"{API}/2/users/me", json=user())
    deleted = {"data": {"deleted": True}}
    spec.validate("DeletePostsResponse", deleted)
    x.delete(f"{API}/2/tweets/{POST_ID}", json=deleted)
    x.get(f"{API}/2/tweets/{POST_ID}", json=post())
    x.get(f"{API}/2/users/by/username/TweepyDev", json=user())
    x.post(f"{API}/2/media/upload", json=xmedia.one_shot_answer(size=len(xmedia.PNG)))
    path = tmp_path / "chart.png"
    path.write_bytes(xmedia.PNG)
    client = oauth2_bot().get_tweepy_client()

    client.create_tweet(text="hello")
    client.get_me()
    client.delete_tweet(POST_ID)
    client.get_tweet(POST_ID)
    client.get_user(username="TweepyDev")
    client.media_upload(str(path))

    assert len(x.calls) == 6
    assert {bearer_of(call) for call in x.calls} == {f"Bearer {access(0)}"}
    assert json.loads(x.calls[0].request.body) == {"text": "hello"}


def test_like_uses_the_accounts_user_id_without_asking_x(db, x):
    url = f"{API}/2/users/{xtoken.USER_ID}/likes"
    liked = {"data": {"liked": True}}
    spec.validate("LikePostResponse", liked)
    x.post(url, json=liked)
    oauth2_bot().get_tweepy_client().like(POST_ID)
    assert [call.request.url for call in x.calls] == [url]


def test_no_database_query_while_the_token_is_fresh(db, x, django_assert_num_queries):
    x.post(f"{API}/2/tweets", json=created(), status=201)
    account = oauth2_bot()
    # Seen working a moment ago: the health hook writes at most once per interval.
    BotAccount.objects.filter(pk=account.pk).update(last_seen_working_at=timezone.now())
    account.refresh_from_db()
    client = account.get_tweepy_client()
    with django_assert_num_queries(0):
        for _ in range(3):
            client.create_tweet(text="hello")


def test_an_expired_token_is_refreshed_before_the_request(db, x):
    endpoint = TokenX(x, valid=xtoken.refresh(0))
    x.post(f"{API}/2/tweets", json=created(), status=201)
    account = oauth2_bot(expires_in=timedelta(seconds=-30))

    account.get_tweepy_client().create_tweet(text="hello")

    assert [call.request.url for call in x.calls] == [xtoken.TOKEN_URL, f"{API}/2/tweets"]
    assert bearer_of(x.calls[1]) == f"Bearer {access(1)}"
    assert endpoint.refreshes == 1
    account.refresh_from_db()
    assert account.twitter_refresh_token == xtoken.refresh(1)


def test_a_token_within_the_margin_is_refreshed_one_outside_is_not(db, x, settings):
    settings.BOTAUTH_OAUTH2_REFRESH_MARGIN = 120
    TokenX(x, valid=xtoken.refresh(0))
    x.post(f"{API}/2/tweets", json=created(), status=201)
    soon = oauth2_bot("soon", expires_in=timedelta(seconds=100))
    later = oauth2_bot("later", n=5, expires_in=timedelta(seconds=200), user_id="2")

    soon.get_tweepy_client().create_tweet(text="a")
    later.get_tweepy_client().create_tweet(text="b")

    assert [bearer_of(call) for call in x.calls if call.request.url.endswith("/tweets")] == [
        f"Bearer {access(1)}",
        f"Bearer {access(5)}",
    ]


def test_a_client_held_for_hours_keeps_posting(db, x, clock):
    endpoint = TokenX(x, valid=xtoken.refresh(0))
    x.post(f"{API}/2/tweets", json=created(), status=201)
    account = oauth2_bot()
    client = account.get_tweepy_client()

    sent = []
    for _ in range(3):
        client.create_tweet(text="hourly")
        sent.append(bearer_of(x.calls[-1]))
        clock.advance(timedelta(hours=2))

    assert sent == [f"Bearer {access(n)}" for n in (0, 1, 2)]
    assert endpoint.refreshes == 2
    account.refresh_from_db()
    assert account.twitter_refresh_token == xtoken.refresh(2)


def test_a_client_picks_up_what_another_process_refreshed(db, x, clock):
    x.post(f"{API}/2/tweets", json=created(), status=201)
    account = oauth2_bot()
    client = account.get_tweepy_client()
    clock.advance(timedelta(hours=2))
    # Another process refreshed meanwhile and stored pair 1.
    BotAccount.objects.filter(pk=account.pk).update(token_expires_at=None)
    stored = BotAccount.objects.get(pk=account.pk)
    stored.twitter_access_token = access(1)
    stored.twitter_refresh_token = xtoken.refresh(1)
    stored.token_expires_at = timezone.now() + timedelta(hours=2)
    stored.save()

    client.create_tweet(text="hello")

    assert [call.request.url for call in x.calls] == [f"{API}/2/tweets"]
    assert bearer_of(x.calls[0]) == f"Bearer {access(1)}"


def test_a_401_to_a_token_refreshed_elsewhere_is_retried_once_with_the_new_one(db, x):
    url = f"{API}/2/tweets"
    unauthorized(x, "POST", url)
    x.post(url, json=created(), status=201)
    account = oauth2_bot()
    client = account.get_tweepy_client()
    # X retired pair 0 early: another process refreshed, and X ended the old access token.
    stored = BotAccount.objects.get(pk=account.pk)
    stored.twitter_access_token = access(1)
    stored.twitter_refresh_token = xtoken.refresh(1)
    stored.save()

    response = client.create_tweet(text="hello")

    assert response.data == created()["data"]
    assert [bearer_of(call) for call in x.calls] == [f"Bearer {access(0)}", f"Bearer {access(1)}"]
    assert x.calls[1].request.body == x.calls[0].request.body
    assert all(call.request.url == url for call in x.calls)  # no refresh at X was needed


def test_a_401_a_refresh_can_cure_refreshes_and_retries(db, x):
    url = f"{API}/2/tweets"
    unauthorized(x, "POST", url)
    endpoint = TokenX(x, valid=xtoken.refresh(0))
    x.post(url, json=created(), status=201)
    account = oauth2_bot(refreshed_ago=timedelta(minutes=20))

    account.get_tweepy_client().create_tweet(text="hello")

    assert [call.request.url for call in x.calls] == [url, xtoken.TOKEN_URL, url]
    assert bearer_of(x.calls[2]) == f"Bearer {access(1)}"
    assert endpoint.refreshes == 1


def test_a_second_401_is_the_bots_not_retried_again(db, x):
    url = f"{API}/2/tweets"
    unauthorized(x, "POST", url)
    endpoint = TokenX(x, valid=xtoken.refresh(0))
    account = oauth2_bot(refreshed_ago=timedelta(minutes=20))

    with pytest.raises(tweepy.Unauthorized):
        account.get_tweepy_client().create_tweet(text="hello")

    assert [call.request.url for call in x.calls] == [url, xtoken.TOKEN_URL, url]
    assert endpoint.refreshes == 1


def test_a_401_to_a_brand_new_token_is_not_refreshed(db, x):
    url = f"{API}/2/users/me"
    unauthorized(x, "GET", url)
    account = oauth2_bot(refreshed_ago=timedelta(seconds=5))

    with pytest.raises(tweepy.Unauthorized):
        account.get_tweepy_client().get_me()

    assert [call.request.url for call in x.calls] == [url]


def test_a_refused_refresh_raises_reauthorization_required_for_bot_code(db, x):
    x.post(xtoken.TOKEN_URL, json=xtoken.INVALID_TOKEN, status=400)
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    client = account.get_tweepy_client()

    with pytest.raises(ReauthorizationRequiredError, match="Link it with X again"):
        client.create_tweet(text="hello")

    account.refresh_from_db()
    assert account.status == BotAccount.Status.INVALID
    assert account.last_verification == BotAccount.Verification.REFRESH_REFUSED
    with pytest.raises(ReauthorizationRequiredError):
        account.get_tweepy_client()
    assert len(x.calls) == 1


def test_an_oauth2_bot_has_no_v1_api(db):
    with pytest.raises(NotLinkedError, match=r"use get_tweepy_client\(\)"):
        oauth2_bot().get_tweepy_api()


def test_an_unlinked_oauth2_account_has_no_client(db):
    account = oauth2_bot()
    account.forget_access()
    with pytest.raises(NotLinkedError):
        account.get_tweepy_client()


def test_an_oauth1_bot_without_app_token_reads_as_itself(db, x):
    x.get(f"{API}/2/tweets/{POST_ID}", json=post())
    make_linked("o1").get_tweepy_client().get_tweet(POST_ID)
    assert bearer_of(x.calls[0]).startswith("OAuth ")


def test_an_oauth1_bot_with_an_app_token_reads_as_before(db, x, settings):
    settings.TWITTER_API_BEARER_TOKEN = "app-only-token"
    x.get(f"{API}/2/tweets/{POST_ID}", json=post())
    make_linked("o1").get_tweepy_client().get_tweet(POST_ID)
    assert bearer_of(x.calls[0]) == "Bearer app-only-token"


def test_refreshes_and_posts_at_debug_log_no_token(db, x, caplog):
    caplog.set_level(logging.DEBUG)
    TokenX(x, valid=xtoken.refresh(0))
    x.post(f"{API}/2/tweets", json=created(), status=201)
    account = oauth2_bot(expires_in=timedelta(seconds=-1))

    account.get_tweepy_client().create_tweet(text="hello")
    call_command("refresh_bot_tokens", "--expiring-within", "3h", stdout=io.StringIO())

    assert "refreshed its OAuth 2.0 token" in caplog.text
    for secret in (access(0), access(1), access(2), xtoken.CLIENT_SECRET):
        assert secret not in caplog.text
    for n in range(3):
        assert xtoken.refresh(n) not in caplog.text


@pytest.mark.parametrize("margin", [-1, "soon", 7200])
def test_a_wrong_margin_names_the_setting(db, settings, margin):
    settings.BOTAUTH_OAUTH2_REFRESH_MARGIN = margin
    with pytest.raises(BotauthConfigurationError, match="BOTAUTH_OAUTH2_REFRESH_MARGIN must be"):
        oauth2_bot().get_tweepy_client()


def test_clients_of_one_bot_in_a_process_ask_once_for_a_new_token(db, x, django_assert_num_queries):
    TokenX(x, valid=xtoken.refresh(0))
    x.post(f"{API}/2/tweets", json=created(), status=201)
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    first, second = account.get_tweepy_client(), account.get_tweepy_client()

    first.create_tweet(text="a")
    with django_assert_num_queries(0):
        second.create_tweet(text="b")

    assert [bearer_of(call) for call in x.calls if call.request.url.endswith("/tweets")] == [
        f"Bearer {access(1)}",
        f"Bearer {access(1)}",
    ]
    assert len([call for call in x.calls if call.request.url == xtoken.TOKEN_URL]) == 1


def test_an_oauth2_bots_own_traffic_tells_its_health(db, x):
    account = oauth2_bot()
    x.post(f"{API}/2/tweets", json=created(), status=201)
    unauthorized(x, "GET", f"{API}/2/users/me")

    account.get_tweepy_client().create_tweet(text="hello")

    account.refresh_from_db()
    assert account.last_seen_working_at is not None
    assert account.unauthorized_since is None
    assert account.status == BotAccount.Status.LINKED
