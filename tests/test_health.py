"""Health learned from the bot's own traffic (botauth.health): what each answer of X records."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
import tweepy
from django.db import DatabaseError, connection, transaction
from django.db.models import CharField, Func
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from botauth import health
from botauth.models import BotAccount
from tests import spec, xmock

TWEETS_URL = f"{xmock.API}/2/tweets"
POSTED = {"data": {"id": "1456012973835788293", "text": "Hello"}}
SUSPENDED = {
    "title": "Forbidden",
    "type": "about:blank",
    "status": 403,
    "detail": "Your account is suspended and is not permitted to access this feature.",
}
DUPLICATE = {
    "title": "Forbidden",
    "type": "about:blank",
    "status": 403,
    "detail": "You are not allowed to create a Tweet with duplicate content.",
}
LOCKED_V1 = {
    "errors": [
        {
            "code": 326,
            "message": "To protect our users from spam and other malicious activity, this account "
            "is temporarily locked. Please log in to https://twitter.com to unlock your account.",
        }
    ]
}
EXPIRED_V1 = {"errors": [{"code": 89, "message": "Invalid or expired token."}]}
CLIENT_FORBIDDEN = {
    "title": "Client Forbidden",
    "type": "https://api.twitter.com/2/problems/client-forbidden",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and "
    "tokens from a Twitter developer App that is attached to a Project.",
    "reason": "client-not-enrolled",
    "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
    "required_enrollment": "Appropriate Level of API Access",
    "client_id": "27316216",
}
TOO_MANY = {
    "title": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
    "detail": "Too Many Requests",
}
RESET = 1641543656
RESET_AT = datetime.fromtimestamp(RESET, tz=UTC)


def test_the_mocked_answers_are_x_answers():
    spec.validate("CreatePostsResponse", POSTED)
    for problem in (SUSPENDED, DUPLICATE, CLIENT_FORBIDDEN, TOO_MANY, xmock.UNAUTHORIZED):
        spec.validate_problem(problem)
    spec.validate_v1_errors(LOCKED_V1)
    spec.validate_v1_errors(EXPIRED_V1)


def posted(x: responses.RequestsMock, *, access_level: str = "read-write") -> None:
    x.post(
        TWEETS_URL,
        json=POSTED,
        status=201,
        headers={
            "location": f"{TWEETS_URL}/{POSTED['data']['id']}",
            "x-access-level": access_level,
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "99",
            "x-rate-limit-reset": str(RESET),
        },
    )


def refused(x: responses.RequestsMock, status: int, body: dict[str, Any], **headers: str) -> None:
    problem = "type" in body
    x.post(
        TWEETS_URL,
        body=json.dumps(body),
        status=status,
        headers=headers,
        content_type="application/problem+json" if problem else "application/json",
    )


def updates(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]


# Each answer of X, recorded


def test_a_post_records_last_seen_working_and_the_access_level(linked, x):
    posted(x, access_level="read-write-directmessages")
    response = linked.get_tweepy_client().create_tweet(text="Hello")
    assert response.data == POSTED["data"]
    linked.refresh_from_db()
    assert timezone.now() - linked.last_seen_working_at < timedelta(minutes=1)
    assert linked.access_level == "read-write-directmessages"
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_verified_at is None  # traffic is not a verification


def test_a_read_only_access_level_is_recorded(linked, x):
    xmock.users_me(x, access_level="read")
    linked.get_tweepy_client().get_me(user_auth=True)
    linked.refresh_from_db()
    assert linked.access_level == "read"
    assert linked.can_write is False


def test_a_first_401_starts_the_confirmation_window_and_reaches_bot_code(linked, x):
    xmock.users_me_error(x, 401)
    with pytest.raises(tweepy.Unauthorized):
        linked.get_tweepy_client().get_me(user_auth=True)
    linked.refresh_from_db()
    assert linked.unauthorized_since is not None
    assert timezone.now() - linked.unauthorized_since < timedelta(minutes=1)
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_seen_working_at is None
    assert linked.twitter_access_token == f"{xmock.USER_ID}-accesstokenlinkedbot"


def test_a_401_after_the_window_with_no_success_between_marks_invalid(linked, x):
    first = timezone.now() - timedelta(hours=3, seconds=1)
    BotAccount.objects.filter(pk=linked.pk).update(unauthorized_since=first)
    linked.refresh_from_db()
    xmock.users_me_error(x, 401)
    with pytest.raises(tweepy.Unauthorized):
        linked.get_tweepy_client().get_me(user_auth=True)
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.INVALID
    assert linked.unauthorized_since == first
    assert linked.twitter_access_token == f"{xmock.USER_ID}-accesstokenlinkedbot"


def test_401s_within_the_window_keep_the_account_linked(linked, x):
    first = timezone.now() - timedelta(hours=2)
    BotAccount.objects.filter(pk=linked.pk).update(unauthorized_since=first)
    linked.refresh_from_db()
    client = linked.get_tweepy_client()
    for _ in range(3):
        xmock.users_me_error(x, 401)
        with pytest.raises(tweepy.Unauthorized):
            client.get_me(user_auth=True)
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.unauthorized_since == first


def test_a_success_between_two_401s_restarts_the_window(linked, x):
    first = timezone.now() - timedelta(hours=4)
    BotAccount.objects.filter(pk=linked.pk).update(unauthorized_since=first)
    linked.refresh_from_db()
    client = linked.get_tweepy_client()
    posted(x)
    client.create_tweet(text="Hello")
    linked.refresh_from_db()
    assert linked.unauthorized_since is None
    refused(x, 401, xmock.UNAUTHORIZED)
    with pytest.raises(tweepy.Unauthorized):
        client.create_tweet(text="Hello")
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.unauthorized_since is not None
    assert timezone.now() - linked.unauthorized_since < timedelta(minutes=1)


@pytest.mark.parametrize("status", [BotAccount.Status.INVALID, BotAccount.Status.SUSPENDED])
def test_a_success_restores_linked(linked, x, status):
    BotAccount.objects.filter(pk=linked.pk).update(
        status=status, unauthorized_since=timezone.now() - timedelta(days=2)
    )
    linked.refresh_from_db()
    posted(x)
    linked.get_tweepy_client().create_tweet(text="Hello")
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.unauthorized_since is None
    assert linked.last_seen_working_at is not None


def test_a_403_code_89_counts_as_a_401(linked, x):
    refused(x, 403, EXPIRED_V1)
    with pytest.raises(tweepy.Forbidden):
        linked.get_tweepy_client().create_tweet(text="Hello")
    linked.refresh_from_db()
    assert linked.unauthorized_since is not None
    assert linked.status == BotAccount.Status.LINKED


@pytest.mark.parametrize("body", [SUSPENDED, LOCKED_V1], ids=["suspended", "locked"])
def test_a_403_about_this_user_marks_suspended(linked, x, body):
    refused(x, 403, body)
    with pytest.raises(tweepy.Forbidden):
        linked.get_tweepy_client().create_tweet(text="Hello")
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.SUSPENDED
    assert linked.twitter_access_token == f"{xmock.USER_ID}-accesstokenlinkedbot"


@pytest.mark.parametrize("body", [DUPLICATE, CLIENT_FORBIDDEN], ids=["duplicate", "app"])
def test_a_403_about_the_request_or_the_app_changes_nothing(linked, x, body):
    refused(x, 403, body)
    with CaptureQueriesContext(connection) as queries, pytest.raises(tweepy.Forbidden):
        linked.get_tweepy_client().create_tweet(text="Hello")
    assert updates(queries) == []
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert (linked.unauthorized_since, linked.last_seen_working_at) == (None, None)


def test_a_429_records_the_reset_time_and_keeps_the_status(linked, x):
    refused(
        x,
        429,
        TOO_MANY,
        **{"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0"},
        **{"x-rate-limit-reset": str(RESET)},
    )
    with pytest.raises(tweepy.TooManyRequests):
        linked.get_tweepy_client().create_tweet(text="Hello")
    linked.refresh_from_db()
    assert linked.rate_limit_reset_at == RESET_AT
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_seen_working_at is None


@pytest.mark.parametrize("reset", ["99999999999999999999", "soon", "-5"])
def test_a_429_with_a_nonsense_reset_records_nothing(linked, x, reset):
    refused(x, 429, TOO_MANY, **{"x-rate-limit-reset": reset})
    # tweepy 4.17 int()s the header itself: "soon" is a ValueError from tweepy, not from botauth.
    with pytest.raises((tweepy.TooManyRequests, ValueError)):
        linked.get_tweepy_client().create_tweet(text="Hello")
    linked.refresh_from_db()
    assert linked.rate_limit_reset_at is None


def test_an_odd_access_level_header_is_not_stored(linked, x):
    posted(x, access_level="read-write\x1b[31m" + "x" * 60)
    linked.get_tweepy_client().create_tweet(text="Hello")
    linked.refresh_from_db()
    assert linked.access_level == ""
    assert linked.last_seen_working_at is not None


def test_app_only_requests_say_nothing_about_the_bot(linked, x, settings):
    settings.TWITTER_API_BEARER_TOKEN = "app-bearer"
    x.get(
        f"{xmock.API}/2/users/by/username/Twitter",
        json={"data": {"id": "783214", "name": "Twitter", "username": "Twitter"}},
        headers={"x-access-level": "read"},
    )
    x.get(f"{xmock.API}/2/users/783214", status=401, json=xmock.UNAUTHORIZED)
    client = linked.get_tweepy_client()
    with CaptureQueriesContext(connection) as queries:
        client.get_user(username="Twitter")
        with pytest.raises(tweepy.Unauthorized):
            client.get_user(id="783214")
    assert x.calls[0].request.headers["Authorization"] == "Bearer app-bearer"
    assert updates(queries) == []
    linked.refresh_from_db()
    assert (linked.access_level, linked.unauthorized_since, linked.last_seen_working_at) == (
        "",
        None,
        None,
    )


# Cheap: a busy bot does not write a row per post


def test_many_posts_in_a_row_write_once(linked, x):
    client = linked.get_tweepy_client()
    for _ in range(20):
        posted(x)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            client.create_tweet(text="Hello")
    assert len(updates(queries)) == 1
    assert [q for q in queries if q["sql"].startswith("SELECT")] == []
    linked.refresh_from_db()
    assert linked.last_seen_working_at is not None


def test_clients_made_one_per_post_share_the_process_throttle(linked, x):
    for _ in range(10):
        posted(x)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(10):
            BotAccount.objects.get(pk=linked.pk).get_tweepy_client().create_tweet(text="Hello")
    assert len(updates(queries)) == 1
    linked.refresh_from_db()
    assert linked.last_seen_working_at is not None


def test_last_seen_working_is_written_again_after_the_interval(linked, x, monkeypatch, settings):
    settings.BOTAUTH_HEALTH_WRITE_INTERVAL = 600
    start = timezone.now()
    clock = [start]
    monkeypatch.setattr("botauth.health.timezone.now", lambda: clock[0])
    client = linked.get_tweepy_client()
    for offset in (0, 300, 599, 600, 900, 1200):
        clock[0] = start + timedelta(seconds=offset)
        posted(x)
        client.create_tweet(text="Hello")
        linked.refresh_from_db()
        expected = 0 if offset < 600 else 600 if offset < 1200 else 1200
        assert linked.last_seen_working_at == start + timedelta(seconds=expected), offset


def test_a_stored_recent_last_seen_is_not_written_again(linked, x):
    seen = timezone.now() - timedelta(seconds=30)
    BotAccount.objects.filter(pk=linked.pk).update(
        last_seen_working_at=seen, access_level="read-write"
    )
    posted(x)
    with CaptureQueriesContext(connection) as queries:
        BotAccount.objects.get(pk=linked.pk).get_tweepy_client().create_tweet(text="Hello")
    assert updates(queries) == []
    linked.refresh_from_db()
    assert linked.last_seen_working_at == seen


def test_a_changed_access_level_is_written_at_once(linked, x):
    client = linked.get_tweepy_client()
    posted(x, access_level="read-write")
    client.create_tweet(text="Hello")
    posted(x, access_level="read-write")
    xmock.users_me(x, access_level="read")
    with CaptureQueriesContext(connection) as queries:
        client.create_tweet(text="Hello")
        client.get_me(user_auth=True)
    assert len(updates(queries)) == 1
    linked.refresh_from_db()
    assert linked.access_level == "read"


def test_repeated_401s_and_429s_write_only_what_changed(linked, x):
    client = linked.get_tweepy_client()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            refused(x, 401, xmock.UNAUTHORIZED)
            with pytest.raises(tweepy.Unauthorized):
                client.create_tweet(text="Hello")
        for _ in range(5):
            refused(x, 429, TOO_MANY, **{"x-rate-limit-reset": str(RESET)})
            with pytest.raises(tweepy.TooManyRequests):
                client.create_tweet(text="Hello")
    assert len(updates(queries)) == 2
    linked.refresh_from_db()
    assert linked.unauthorized_since is not None
    assert linked.rate_limit_reset_at == RESET_AT


# Never another link's row, never into bot code


def test_a_relinked_account_is_not_overwritten(linked, x):
    client = linked.get_tweepy_client()
    relinked_at = datetime(2026, 6, 1, tzinfo=UTC)
    BotAccount.objects.filter(pk=linked.pk).update(linked_at=relinked_at, access_level="read")
    posted(x, access_level="read-write")
    xmock.users_me_error(x, 401)
    client.create_tweet(text="Hello")
    with CaptureQueriesContext(connection) as queries, pytest.raises(tweepy.Unauthorized):
        client.get_me(user_auth=True)
    assert queries.captured_queries == []  # the link is over for this client: no more writes
    linked.refresh_from_db()
    assert (linked.linked_at, linked.access_level) == (relinked_at, "read")
    assert (linked.last_seen_working_at, linked.unauthorized_since) == (None, None)


def test_an_unlinked_account_is_not_touched(linked, x):
    client = linked.get_tweepy_client()
    BotAccount.objects.filter(pk=linked.pk).update(status=BotAccount.Status.UNLINKED)
    refused(x, 403, SUSPENDED)
    with pytest.raises(tweepy.Forbidden):
        client.create_tweet(text="Hello")
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.UNLINKED


def test_a_database_failure_is_logged_not_raised(linked, x, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr("botauth.health.transaction.atomic", broken)
    posted(x)
    with caplog.at_level(logging.WARNING, logger="botauth"):
        response = linked.get_tweepy_client().create_tweet(text="Hello")
    assert response.data["id"] == POSTED["data"]["id"]
    assert [r.getMessage() for r in caplog.records] == [
        f"botauth: could not record X's answer on bot account {linked.pk}"
    ]
    assert "accesstoken" not in caplog.text and "accesssecret" not in caplog.text
    linked.refresh_from_db()
    assert linked.last_seen_working_at is None


def test_a_failure_reading_the_answer_is_logged_not_raised(linked, x, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError(f"{xmock.USER_ID}-accesstokenlinkedbot")

    monkeypatch.setattr(health, "signal_of", broken)
    posted(x)
    with caplog.at_level(logging.WARNING, logger="botauth"):
        response = linked.get_tweepy_client().create_tweet(text="Hello")
    assert response.data["id"] == POSTED["data"]["id"]
    assert [r.getMessage() for r in caplog.records] == [
        f"botauth: could not read X's answer for bot account {linked.pk} (RuntimeError)"
    ]
    assert "accesstoken" not in caplog.text
    linked.refresh_from_db()
    assert linked.last_seen_working_at is None


def test_a_failed_write_leaves_the_bots_own_transaction_usable(linked, x, monkeypatch):
    # A real database error (an unknown SQL function): on PostgreSQL it would abort the bot's
    # transaction but for the savepoint the hook writes in.
    def failing(now):
        return {"status": Func(function="botauth_no_such_function", output_field=CharField())}

    monkeypatch.setattr(health, "after_working", failing)
    posted(x)
    with transaction.atomic():
        linked.get_tweepy_client().create_tweet(text="Hello")
        BotAccount.objects.create(name="afterwards")
    assert BotAccount.objects.filter(name="afterwards").exists()
    linked.refresh_from_db()
    assert (linked.status, linked.last_seen_working_at) == (BotAccount.Status.LINKED, None)


# The v1.1 API (get_tweepy_api) teaches the same

VERIFY_CREDENTIALS_URL = f"{xmock.API}/1.1/account/verify_credentials.json"


def test_v1_traffic_records_last_seen_working_and_the_access_level(linked, x):
    x.get(
        VERIFY_CREDENTIALS_URL,
        json={"id": 6253282, "id_str": "6253282", "screen_name": "twitterapi", "name": "X API"},
        headers={"x-access-level": "read"},
    )

    assert linked.get_tweepy_api().verify_credentials().screen_name == "twitterapi"

    linked.refresh_from_db()
    assert timezone.now() - linked.last_seen_working_at < timedelta(minutes=1)
    assert linked.access_level == "read"
    assert linked.status == BotAccount.Status.LINKED


def test_a_v1_401_is_a_first_401_like_any_other(linked, x):
    x.get(VERIFY_CREDENTIALS_URL, json=EXPIRED_V1, status=401)

    with pytest.raises(tweepy.Unauthorized):
        linked.get_tweepy_api().verify_credentials()

    linked.refresh_from_db()
    assert timezone.now() - linked.unauthorized_since < timedelta(minutes=1)
    assert linked.status == BotAccount.Status.LINKED  # one 401 is not proof
    assert linked.last_seen_working_at is None
