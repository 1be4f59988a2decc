from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from botauth.models import BotAccount
from tests import xmock
from tests.helpers import CALLBACK, approve, make_linked, messages_of, pending


def assert_untouched_pending(account: BotAccount) -> None:
    account.refresh_from_db()
    assert account.twitter_oauth_token == xmock.REQUEST_TOKEN
    assert account.twitter_access_token == ""
    assert account.status == BotAccount.Status.PENDING


def test_url_is_fixed():
    assert reverse("botauth:authenticate_twitter_callback") == CALLBACK


def test_success_stores_pair_and_identity_and_clears_the_interim_pair(
    staff_client, staff, account, x
):
    pending(account, staff)
    xmock.access_token(x)
    response = approve(staff_client)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:botauth_botaccount_change", args=[account.pk])
    assert messages_of(response) == ["Linked @twitterapi"]
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == xmock.ACCESS_TOKEN
    assert account.twitter_access_token_secret == xmock.ACCESS_SECRET
    assert (account.twitter_user_id, account.twitter_username) == (xmock.USER_ID, "twitterapi")
    assert account.linked_by == staff
    assert account.linked_at is not None
    assert (account.twitter_oauth_token, account.twitter_oauth_token_secret) == ("", "")
    assert account.link_started_by is None
    assert len(x.calls) == 1


def test_denied_clears_the_pending_flow_without_calling_x(staff_client, staff, account, x):
    pending(account, staff)
    response = staff_client.get(CALLBACK, {"denied": xmock.REQUEST_TOKEN})
    assert response.status_code == 302
    assert messages_of(response) == ["Authorization was cancelled on X; “newsbot” was not linked."]
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert account.twitter_oauth_token == ""


def test_denied_on_relink_keeps_the_stored_pair(staff_client, staff, x, db):
    account = pending(make_linked("keeper"), staff)
    response = staff_client.get(CALLBACK, {"denied": xmock.REQUEST_TOKEN})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == f"{xmock.USER_ID}-accesstokenkeeper"
    assert account.twitter_oauth_token == ""


def test_denied_comes_before_other_parameters(staff_client, staff, account, x):
    pending(account, staff)
    response = staff_client.get(
        CALLBACK, {"denied": xmock.REQUEST_TOKEN, "oauth_token": xmock.REQUEST_TOKEN}
    )
    assert response.status_code == 302
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED


def test_denied_with_unknown_token_changes_nothing(staff_client, staff, account, x):
    pending(account, staff)
    response = staff_client.get(CALLBACK, {"denied": "someoneelsestoken"})
    assert response.status_code == 400
    assert_untouched_pending(account)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "X&#x27;s answer is missing oauth_token and oauth_verifier."),
        ({"oauth_token": xmock.REQUEST_TOKEN}, "X&#x27;s answer is missing oauth_verifier."),
        ({"oauth_verifier": xmock.VERIFIER}, "X&#x27;s answer is missing oauth_token."),
        ({"oauth_token": "bad token!", "oauth_verifier": "v"}, "malformed oauth_token"),
        (
            {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": "x" * 5000},
            "malformed oauth_verifier",
        ),
        ({"oauth_token": "", "oauth_verifier": "v"}, "malformed oauth_token"),
        ({"denied": "<script>"}, "malformed denied"),
    ],
)
def test_bad_parameters_get_a_400_page_and_change_nothing(
    staff_client, staff, account, x, query, message
):
    pending(account, staff)
    response = staff_client.get(CALLBACK, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert len(x.calls) == 0
    assert_untouched_pending(account)


def test_repeated_parameter_is_refused(staff_client, staff, account, x):
    pending(account, staff)
    response = staff_client.get(
        f"{CALLBACK}?oauth_token={xmock.REQUEST_TOKEN}&oauth_token=other&oauth_verifier=v"
    )
    assert response.status_code == 400
    assert "oauth_token more than once" in response.content.decode()
    assert_untouched_pending(account)


def test_unknown_token_is_refused_without_calling_x(staff_client, staff, account, x):
    pending(account, staff)
    response = staff_client.get(CALLBACK, {"oauth_token": "unknowntoken", "oauth_verifier": "v"})
    assert response.status_code == 400
    assert "does not match a link you started" in response.content.decode()
    assert len(x.calls) == 0
    assert_untouched_pending(account)


def test_flow_started_by_another_user_is_refused(staff, account, x, db):
    pending(account, staff)
    other = User.objects.create_superuser("other", password="pw")
    client = Client()
    client.force_login(other)
    response = approve(client)
    assert response.status_code == 400
    assert len(x.calls) == 0
    assert_untouched_pending(account)


def test_expired_flow_is_refused_and_cleared(staff_client, staff, account, x):
    pending(account, staff, age=timedelta(minutes=16))
    response = approve(staff_client)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.twitter_oauth_token == ""
    assert account.status == BotAccount.Status.UNLINKED


def test_already_used_token_is_refused(staff_client, staff, account, x):
    pending(account, staff)
    xmock.access_token(x)
    assert approve(staff_client).status_code == 302
    again = approve(staff_client)
    assert again.status_code == 400
    assert len(x.calls) == 1
    account.refresh_from_db()
    assert account.twitter_access_token == xmock.ACCESS_TOKEN


def test_anonymous_callback_goes_to_login_and_changes_nothing(client, staff, account, x):
    pending(account, staff)
    response = approve(client)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/botauth/callback/")
    assert len(x.calls) == 0
    assert_untouched_pending(account)


def test_x_unavailable_keeps_the_flow_for_a_retry(staff_client, staff, account, x):
    pending(account, staff)
    x.post(xmock.ACCESS_TOKEN_URL, body=requests.ConnectTimeout("down"))
    response = approve(staff_client)
    assert response.status_code == 502
    assert "Try again" in response.content.decode()
    assert_untouched_pending(account)
    xmock.access_token(x)
    x.replace(
        "POST",
        xmock.ACCESS_TOKEN_URL,
        body=f"oauth_token={xmock.ACCESS_TOKEN}&oauth_token_secret={xmock.ACCESS_SECRET}"
        f"&user_id={xmock.USER_ID}&screen_name={xmock.SCREEN_NAME}",
    )
    assert approve(staff_client).status_code == 302
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED


def test_wrong_verifier_rejected_by_x_changes_nothing(staff_client, staff, account, x):
    pending(account, staff)
    xmock.oauth_error(x, xmock.ACCESS_TOKEN_URL)
    response = approve(staff_client)
    assert response.status_code == 400
    assert "X refused the request (401)" in response.content.decode()
    assert_untouched_pending(account)


def test_x_account_linked_elsewhere_is_refused_naming_it(staff_client, staff, account, x):
    other = make_linked("firstbot")
    pending(account, staff)
    xmock.access_token(x)
    response = approve(staff_client)
    assert response.status_code == 409
    assert "X account @twitterapi is already linked to bot account “firstbot”" in (
        response.content.decode()
    )
    account.refresh_from_db()
    assert account.twitter_access_token == ""
    assert account.twitter_user_id == ""
    assert account.twitter_oauth_token == ""
    other.refresh_from_db()
    assert other.twitter_access_token == f"{xmock.USER_ID}-accesstokenfirstbot"
    assert len(x.calls) == 1


def test_relink_to_a_different_x_user_is_refused(staff_client, staff, x, db):
    account = pending(make_linked("loyal", user_id="111", username="oldhandle"), staff)
    xmock.access_token(x, user_id="222", screen_name="intruder")
    response = approve(staff_client)
    assert response.status_code == 409
    assert "“loyal” is linked to @oldhandle, but X approved @intruder" in response.content.decode()
    account.refresh_from_db()
    assert (account.twitter_user_id, account.twitter_username) == ("111", "oldhandle")
    assert account.twitter_access_token == "111-accesstokenloyal"
    assert account.status == BotAccount.Status.LINKED


def test_relink_to_the_same_x_user_refreshes_the_pair(staff_client, staff, x, db):
    account = pending(make_linked("again"), staff)
    xmock.access_token(x, token=f"{xmock.USER_ID}-freshtoken", secret="freshsecret")
    response = approve(staff_client)
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.twitter_access_token == f"{xmock.USER_ID}-freshtoken"
    assert account.twitter_access_token_secret == "freshsecret"


def test_error_page_shows_no_token(staff_client, staff, account, x):
    pending(account, staff)
    x.post(xmock.ACCESS_TOKEN_URL, status=500, body="oops")
    response = approve(staff_client)
    body = response.content.decode()
    assert response.status_code == 502
    assert xmock.REQUEST_SECRET not in body


def test_an_oauth1_link_records_its_protocol_and_ends_the_pending_one(
    staff_client, staff, account, x
):
    account.link_protocol = BotAccount.Protocol.OAUTH1
    pending(account, staff)
    xmock.access_token(x)
    approve(staff_client)
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert (account.protocol, account.link_protocol) == (BotAccount.Protocol.OAUTH1, "")
    assert (account.twitter_refresh_token, account.token_expires_at, account.scopes) == (
        "",
        None,
        "",
    )
