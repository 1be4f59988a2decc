"""The x_sandbox pytest plugin: bots linked through the real flow, X served in-process."""

from __future__ import annotations

import json
import struct

import pytest
import requests
import tweepy
from django.db import connection

from botauth import oauth, transport
from botauth.exceptions import IdentityConflictError
from botauth.models import BotAccount
from botauth.transport import XSession
from botauth_sandbox import testing
from botauth_sandbox.models import AccessToken, Nonce, RequestToken, SandboxApp, SandboxUser
from botauth_sandbox.provisioning import APP_NAME
from tests.helpers import call

# The first bytes of a 2x2 PNG: all the sandbox reads of an image.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 2, 2) + b"\x08\x02\x00\x00\x00"


def upload_png(account: BotAccount) -> str:
    """A one-shot v2 upload, multipart, signed as the bot, as X's spec asks."""
    response = XSession().post(
        "https://api.twitter.com/2/media/upload",
        data={"media_category": "tweet_image"},
        files={"media": ("dot.png", PNG, "image/png")},
        auth=oauth.user_auth(*account.access_pair()),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["id"])


def raw_column(account: BotAccount, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM botauth_botaccount WHERE id = %s", [account.pk])
        value: str = cursor.fetchone()[0]
        return value


@pytest.fixture
def newsbot(db) -> BotAccount:
    return BotAccount.objects.create(name="newsbot")


def test_link_stores_an_encrypted_pair_of_a_new_sandbox_user(x_sandbox, newsbot):
    account = x_sandbox.link(newsbot)

    user = x_sandbox.user(account)
    pair = AccessToken.objects.get(user=user)
    assert (account.status, account.twitter_username) == (BotAccount.Status.LINKED, "newsbot")
    assert account.twitter_user_id == user.user_id
    assert (account.twitter_access_token, account.twitter_access_token_secret) == (
        pair.token,
        pair.secret,
    )
    assert raw_column(account, "twitter_access_token").startswith("gAAAA")
    assert raw_column(account, "twitter_access_token_secret").startswith("gAAAA")
    assert pair.token not in raw_column(account, "twitter_access_token")
    assert (account.twitter_oauth_token, account.link_started_at) == ("", None)


def test_link_goes_through_the_real_three_legs(x_sandbox, newsbot):
    x_sandbox.link(newsbot)

    request_token = RequestToken.objects.get()
    assert request_token.used is True
    assert request_token.callback == testing.CALLBACK
    assert request_token.app == SandboxApp.objects.get(name=APP_NAME)
    # request_token and access_token are signed requests, each with its nonce.
    assert Nonce.objects.count() == 2


def test_each_link_gets_a_fresh_user(x_sandbox, db):
    first = x_sandbox.link(BotAccount.objects.create(name="news bot!"))
    second = x_sandbox.link(BotAccount.objects.create(name="News bot?"))

    assert (first.twitter_username, second.twitter_username) == ("news_bot_", "News_bot_2")
    assert SandboxUser.objects.count() == 2


def test_link_to_a_chosen_username(x_sandbox, newsbot):
    account = x_sandbox.link(newsbot, username="Daily_News")

    assert account.twitter_username == "Daily_News"
    assert x_sandbox.user(account).username == "Daily_News"


def test_bot_code_talks_to_its_sandbox_user(x_sandbox, newsbot):
    account = x_sandbox.link(newsbot)

    me = account.get_tweepy_client().get_me(user_auth=True)

    assert (str(me.data.id), me.data.username) == (account.twitter_user_id, "newsbot")


def test_posts_are_what_the_bot_posted_oldest_first(x_sandbox, newsbot):
    account = x_sandbox.link(newsbot)
    other = x_sandbox.link(BotAccount.objects.create(name="otherbot"))
    client = account.get_tweepy_client()

    first = client.create_tweet(text="first")
    media_id = upload_png(account)
    client.create_tweet(text="with a picture", media_ids=[media_id])
    client.create_tweet(text="a reply", in_reply_to_tweet_id=first.data["id"])
    other.get_tweepy_client().create_tweet(text="not mine")

    posts = x_sandbox.posts(account)
    assert [(p.text, p.media_ids, p.in_reply_to_id) for p in posts] == [
        ("first", [], ""),
        ("with a picture", [media_id], ""),
        ("a reply", [], first.data["id"]),
    ]
    assert posts[0].post_id == first.data["id"]
    assert [p.text for p in x_sandbox.posts(other)] == ["not mine"]


def test_a_deleted_post_is_no_longer_there(x_sandbox, newsbot):
    account = x_sandbox.link(newsbot)
    client = account.get_tweepy_client()
    kept = client.create_tweet(text="kept")
    gone = client.create_tweet(text="gone")

    client.delete_tweet(gone.data["id"])

    assert [p.post_id for p in x_sandbox.posts(account)] == [kept.data["id"]]


def test_posts_of_an_unlinked_account_says_what_to_do(x_sandbox, newsbot):
    with pytest.raises(LookupError, match="is not linked to a sandbox X user"):
        x_sandbox.posts(newsbot)


def test_settings_point_botauth_at_the_in_process_sandbox(x_sandbox, settings):
    assert settings.BOTAUTH_SANDBOX is True
    assert settings.BOTAUTH_SANDBOX_URL == "http://testserver/sandbox"
    assert (settings.TWITTER_CONSUMER_API_KEY, settings.BOTAUTH_X_API_URL) == ("", "")
    assert set(transport._mounted) == {"http://", "https://"}


def test_revoked_user_gets_401(x_sandbox, newsbot):
    account = x_sandbox.link(newsbot)

    assert x_sandbox.revoke(account) == 1

    with pytest.raises(tweepy.Unauthorized):
        account.get_tweepy_client().get_me(user_auth=True)
    assert not AccessToken.objects.filter(revoked=False).exists()


def test_suspended_user_gets_403(x_sandbox, newsbot):
    account = x_sandbox.link(newsbot)

    x_sandbox.suspend(account)

    with pytest.raises(tweepy.Forbidden):
        account.get_tweepy_client().get_me(user_auth=True)
    assert x_sandbox.user(account).suspended is True
    x_sandbox.suspend(account, suspended=False)
    assert account.get_tweepy_client().get_me(user_auth=True).data.username == "newsbot"


def test_rate_limited_user_gets_429(x_sandbox, newsbot):
    account = x_sandbox.link(newsbot)

    x_sandbox.rate_limit(account)

    with pytest.raises(tweepy.TooManyRequests):
        account.get_tweepy_client().get_me(user_auth=True)
    assert x_sandbox.user(account).rate_limited is True


def test_access_level_is_what_the_sandbox_reports(x_sandbox, newsbot):
    account = x_sandbox.link(newsbot)

    x_sandbox.set_access_level(account, "read")

    response = account.get_tweepy_client(return_type=requests.Response).get_me(user_auth=True)
    assert response.headers["x-access-level"] == "read"
    assert x_sandbox.user(account).access_level == "read"


def test_user_of_an_unlinked_account_says_what_to_do(x_sandbox, newsbot):
    with pytest.raises(LookupError, match=r"call x_sandbox\.link\(account\) first"):
        x_sandbox.user(newsbot)


def test_relinking_to_another_user_is_refused_by_botauth(x_sandbox, newsbot):
    linked = x_sandbox.link(newsbot)

    with pytest.raises(IdentityConflictError):
        x_sandbox.link(linked)

    linked.refresh_from_db()
    assert (linked.twitter_username, linked.twitter_oauth_token) == ("newsbot", "")


def test_a_refused_approval_leaves_no_pending_flow(x_sandbox, newsbot):
    SandboxUser.objects.create(username="banned", suspended=True)

    with pytest.raises(testing.SandboxError, match=r"did not approve @banned \(403\)"):
        x_sandbox.link(newsbot, username="banned")

    newsbot.refresh_from_db()
    assert (newsbot.status, newsbot.twitter_oauth_token) == (BotAccount.Status.UNLINKED, "")


def test_without_the_app_the_fixture_says_what_to_add(monkeypatch):
    from django.apps import apps

    monkeypatch.setattr(apps, "is_installed", lambda name: False)
    with pytest.raises(testing.SandboxError, match='add "botauth_sandbox" to INSTALLED_APPS'):
        testing.sandbox_base()


def test_without_the_urls_the_fixture_says_what_to_add(settings):
    settings.ROOT_URLCONF = "tests.urls_without_sandbox"
    with pytest.raises(testing.SandboxError, match=r'include\("botauth_sandbox\.urls"\)'):
        testing.sandbox_base()


@pytest.mark.django_db(transaction=True)
def test_verify_bot_tokens_runs_its_threads_against_the_sandbox(x_sandbox):
    good = x_sandbox.link(BotAccount.objects.create(name="goodbot"))
    gone = x_sandbox.link(BotAccount.objects.create(name="gonebot"))
    x_sandbox.revoke(gone)

    out, err, code = call("verify_bot_tokens", "--json")

    results = {row["name"]: row["status"] for row in json.loads(out)}
    assert (results, code) == ({"goodbot": "valid", "gonebot": "invalid"}, 1)
    good.refresh_from_db()
    gone.refresh_from_db()
    assert (good.last_verification, gone.last_verification) == ("valid", "invalid")
