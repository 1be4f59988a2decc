"""refresh.ensure_fresh and X's token endpoint (rotation.py), against X's formats."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from urllib3.exceptions import NewConnectionError

from botauth import refresh, rotation
from botauth.exceptions import (
    BotauthConfigurationError,
    NotLinkedError,
    ReauthorizationRequiredError,
    RefreshAnswerLostError,
    XRejectedError,
    XUnavailableError,
)
from botauth.models import BotAccount
from tests import xtoken
from tests.helpers import make_linked
from tests.xtoken import TokenX, access, oauth2_bot

MARGIN = timedelta(minutes=5)


@pytest.fixture(autouse=True)
def client_app(settings):
    settings.TWITTER_CLIENT_ID = xtoken.CLIENT_ID
    settings.TWITTER_CLIENT_SECRET = xtoken.CLIENT_SECRET


def fresh(account: BotAccount, **options) -> refresh.Current:
    options.setdefault("held", account.twitter_access_token)
    return refresh.ensure_fresh(pk=account.pk, margin=MARGIN, **options)


# X's token endpoint on the wire


def test_rotate_posts_the_refresh_token_with_basic_client_auth(x):
    x.post(xtoken.TOKEN_URL, json=xtoken.answer(1))

    rotated = rotation.rotate(refresh_token=xtoken.refresh(0))

    assert (rotated.access_token, rotated.refresh_token) == (access(1), xtoken.refresh(1))
    assert (rotated.expires_in, rotated.scope) == (7200, xtoken.SCOPES)
    request = x.calls[0].request
    assert request.url == xtoken.TOKEN_URL
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert xtoken.form(request) == {
        "grant_type": "refresh_token",
        "refresh_token": xtoken.refresh(0),
    }
    assert xtoken.basic_of(request) == (xtoken.CLIENT_ID, xtoken.CLIENT_SECRET)
    assert request.req_kwargs["timeout"] == 10.0
    assert "Token" not in repr(rotated) and access(1) not in repr(rotated)


def test_without_a_client_id_nothing_is_sent(x, settings):
    settings.TWITTER_CLIENT_ID = ""
    with pytest.raises(
        BotauthConfigurationError, match="Set TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET"
    ):
        rotation.rotate(refresh_token=xtoken.refresh(0))
    assert len(x.calls) == 0


@pytest.mark.parametrize("body", [xtoken.INVALID_TOKEN, xtoken.INVALID_GRANT])
def test_a_refused_refresh_token_is_told_apart(x, body):
    xtoken.check_oauth_error(body)
    x.post(xtoken.TOKEN_URL, json=body, status=400)

    with pytest.raises(rotation.Refused) as refused:
        rotation.rotate(refresh_token=xtoken.refresh(0))

    assert refused.value.error == body["error"]
    assert refused.value.description == "Value passed for the token was invalid."


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, xtoken.MISSING_AUTHORIZATION),
        (
            400,
            {
                "error": "invalid_request",
                "error_description": "Missing required parameter [client_id].",
            },
        ),
        (401, {"error": "invalid_client", "error_description": "Client authentication failed."}),
    ],
)
def test_a_refused_client_is_not_a_refused_token(x, status, body):
    xtoken.check_oauth_error(body)
    x.post(xtoken.TOKEN_URL, json=body, status=status)

    with pytest.raises(XRejectedError, match="Check TWITTER_CLIENT_ID") as error:
        rotation.rotate(refresh_token=xtoken.refresh(0))

    assert not isinstance(error.value, rotation.Refused)
    assert error.value.status == status


def test_x_failing_is_unavailable(x):
    x.post(xtoken.TOKEN_URL, json={"title": "Service Unavailable"}, status=503)
    with pytest.raises(XUnavailableError, match=r"X failed \(503\)"):
        rotation.rotate(refresh_token=xtoken.refresh(0))


def test_a_request_that_never_left_is_unavailable_not_lost(x):
    # A fake urllib3 error: no real connection object behind it.
    reason = NewConnectionError(None, "refused")  # type: ignore[arg-type]
    refused = requests.ConnectionError(type("MaxRetryError", (), {"reason": reason})())
    x.post(xtoken.TOKEN_URL, body=refused)
    with pytest.raises(XUnavailableError, match="nothing changed") as error:
        rotation.rotate(refresh_token=xtoken.refresh(0))
    assert not isinstance(error.value, RefreshAnswerLostError)


@pytest.mark.parametrize(
    "failure", [requests.ReadTimeout("read timed out"), requests.ConnectionError("reset")]
)
def test_an_answer_lost_after_sending_says_so(x, failure):
    x.post(xtoken.TOKEN_URL, body=failure)
    with pytest.raises(RefreshAnswerLostError, match="after the request was sent"):
        rotation.rotate(refresh_token=xtoken.refresh(0))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"refresh_token": None}, "no valid refresh_token"),
        ({"access_token": ""}, "no valid access_token"),
        ({"access_token": "two words"}, "no valid access_token"),
        ({"access_token": "A\r\nX-Injected: 1"}, "no valid access_token"),
        ({"token_type": "mac"}, "not bearer"),
        ({"expires_in": "7200"}, "no whole number expires_in"),
        ({"expires_in": True}, "no whole number expires_in"),
        ({"expires_in": -1}, "an expires_in of -1 s"),
        ({"scope": ["tweet.read"]}, "a scope that is not"),
    ],
)
def test_an_incomplete_pair_is_refused_whole(x, change, problem):
    body = {**xtoken.answer(1), **change}
    body = {k: v for k, v in body.items() if v is not None}
    x.post(xtoken.TOKEN_URL, json=body)
    with pytest.raises(XRejectedError, match=problem):
        rotation.rotate(refresh_token=xtoken.refresh(0))


@pytest.mark.parametrize(
    ("body", "problem"), [(b"<html>oops</html>", "not a JSON object"), (b"[]", "not a JSON")]
)
def test_an_answer_that_is_not_json_is_refused(x, body, problem):
    x.post(xtoken.TOKEN_URL, body=body)
    with pytest.raises(XRejectedError, match=problem):
        rotation.rotate(refresh_token=xtoken.refresh(0))


def test_a_huge_answer_is_not_read_whole(x):
    x.post(xtoken.TOKEN_URL, body=b"{" + b" " * 100_000)
    with pytest.raises(XRejectedError, match="more than 8 KiB"):
        rotation.rotate(refresh_token=xtoken.refresh(0))


# ensure_fresh: when to refresh, once, and what is stored


def test_a_fresh_token_is_returned_without_asking_x(db, x):
    account = oauth2_bot()
    current = fresh(account)
    assert current.access_token == access(0)
    assert not current.refreshed
    assert len(x.calls) == 0


def test_an_expiring_token_is_refreshed_and_the_new_pair_stored(db, x, caplog):
    account = oauth2_bot(expires_in=timedelta(minutes=4))
    endpoint = TokenX(x, valid=xtoken.refresh(0))
    before = timezone.now()

    with caplog.at_level(logging.INFO, logger="botauth"):
        current = fresh(account)

    assert (current.access_token, current.refreshed) == (access(1), True)
    assert endpoint.refreshes == 1
    account.refresh_from_db()
    assert account.twitter_access_token == access(1)
    assert account.twitter_refresh_token == xtoken.refresh(1)
    assert account.token_expires_at is not None and account.token_refreshed_at is not None
    assert before + timedelta(hours=2) <= account.token_expires_at
    assert account.token_expires_at == current.expires_at
    assert before <= account.token_refreshed_at <= timezone.now()
    assert account.status == BotAccount.Status.LINKED
    assert "refreshed its OAuth 2.0 token" in caplog.text
    for token in (access(0), access(1), xtoken.refresh(0), xtoken.refresh(1)):
        assert token not in caplog.text


def test_a_token_another_worker_refreshed_is_picked_up(db, x):
    account = oauth2_bot(n=1)
    current = fresh(account, held=access(0))  # this worker still holds the old one
    assert current.access_token == access(1)
    assert not current.refreshed
    assert len(x.calls) == 0


def test_a_stored_token_expiring_too_is_refreshed_even_if_newer(db, x):
    account = oauth2_bot(n=1, expires_in=timedelta(seconds=-5))
    TokenX(x, valid=xtoken.refresh(1), first=2)
    assert fresh(account, held=access(0)).access_token == access(2)


def test_a_rejected_token_is_refreshed_once_it_is_not_brand_new(db, x):
    account = oauth2_bot(refreshed_ago=timedelta(minutes=30))
    endpoint = TokenX(x, valid=xtoken.refresh(0))
    assert fresh(account, rejected=True).access_token == access(1)
    assert endpoint.refreshes == 1


def test_a_rejected_brand_new_token_is_not_refreshed_again(db, x):
    account = oauth2_bot(refreshed_ago=timedelta(seconds=10))
    current = fresh(account, rejected=True)
    assert current.access_token == access(0)
    assert len(x.calls) == 0


def test_a_refused_refresh_token_marks_the_account_for_a_re_link(db, x, caplog):
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    x.post(xtoken.TOKEN_URL, json=xtoken.INVALID_TOKEN, status=400)

    with pytest.raises(ReauthorizationRequiredError, match="Link it with X again") as error:
        fresh(account)

    assert isinstance(error.value.__cause__, rotation.Refused)
    account.refresh_from_db()
    assert account.status == BotAccount.Status.INVALID
    assert account.last_verification == BotAccount.Verification.REFRESH_REFUSED
    assert account.last_verification_detail == (
        "X refused the refresh token (invalid_request: Value passed for the token was "
        "invalid.); link the bot with X again."
    )
    # The pair is kept (botauth never deletes a token), but never sent to X again.
    assert account.twitter_refresh_token == xtoken.refresh(0)
    with pytest.raises(ReauthorizationRequiredError, match="refused the stored refresh token"):
        fresh(account)
    assert len(x.calls) == 1
    assert xtoken.refresh(0) not in caplog.text


def test_a_refusal_of_a_token_rotated_meanwhile_picks_up_the_new_one(db, x):
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    endpoint = TokenX(x, valid="a-token-only-the-other-worker-had")

    def other_worker_rotates() -> None:
        # What a worker that does not share the lock (another deployment) would have stored.
        stored = BotAccount.objects.get(pk=account.pk)
        stored.twitter_access_token = access(7)
        stored.twitter_refresh_token = xtoken.refresh(7)
        stored.token_expires_at = timezone.now() + timedelta(hours=2)
        stored.save()

    endpoint.before_answer = other_worker_rotates

    assert fresh(account).access_token == access(7)
    assert endpoint.refused == 1
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.last_verification == ""
    assert account.twitter_refresh_token == xtoken.refresh(7)


def test_a_lost_answer_keeps_the_stored_pair(db, x):
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    x.post(xtoken.TOKEN_URL, body=requests.ReadTimeout("read timed out"))

    with pytest.raises(RefreshAnswerLostError):
        fresh(account)

    account.refresh_from_db()
    assert account.twitter_access_token == access(0)
    assert account.twitter_refresh_token == xtoken.refresh(0)
    assert account.token_refreshed_at is None
    assert account.status == BotAccount.Status.LINKED


def test_half_a_pair_is_never_stored(db, x):
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    body = xtoken.answer(1)
    del body["refresh_token"]
    x.post(xtoken.TOKEN_URL, json=body)

    with pytest.raises(XRejectedError, match="stored tokens are unchanged"):
        fresh(account)

    account.refresh_from_db()
    assert (account.twitter_access_token, account.twitter_refresh_token) == (
        access(0),
        xtoken.refresh(0),
    )


def test_a_refresh_proves_an_account_marked_invalid_by_a_401_alive(db, x):
    account = oauth2_bot(expires_in=timedelta(seconds=-1), status=BotAccount.Status.INVALID)
    TokenX(x, valid=xtoken.refresh(0))
    fresh(account)
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED


def test_scopes_x_granted_on_refresh_are_stored(db, x):
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    x.post(xtoken.TOKEN_URL, json=xtoken.answer(1, scope="tweet.read users.read offline.access"))
    fresh(account)
    account.refresh_from_db()
    assert account.scopes == "tweet.read users.read offline.access"


def test_an_oauth1_account_is_not_refreshed(db, x):
    account = make_linked("o1")
    with pytest.raises(NotLinkedError, match=r"not linked with OAuth 2\.0"):
        refresh.ensure_fresh(pk=account.pk, held="", margin=MARGIN)
    assert len(x.calls) == 0


def test_an_account_without_refresh_token_needs_a_re_link(db, x):
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    BotAccount.objects.filter(pk=account.pk).update(twitter_refresh_token="")
    with pytest.raises(ReauthorizationRequiredError, match=r"no offline\.access"):
        fresh(account)
    assert len(x.calls) == 0


def test_a_deleted_account_is_not_linked(db, x):
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    BotAccount.objects.filter(pk=account.pk).delete()
    with pytest.raises(NotLinkedError, match="no longer exists"):
        fresh(account)


def test_refresh_answers_are_x_shaped():
    xtoken.check_answer_shape(xtoken.answer(3))
    assert json.loads(json.dumps(xtoken.answer(3)))["token_type"] == "bearer"
