"""A link started in a browser finishes only in that browser's session (issue 9, item 2)."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from botauth import flows
from botauth.exceptions import FlowNotFoundError
from botauth.flows.binding import SESSION_KEY
from botauth.models import BotAccount
from tests import xmock

CALLBACK = "/botauth/callback/"
APPROVED = {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER}


def start(client: Client, account: BotAccount):
    return client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))


@pytest.fixture
def other_browser(staff) -> Client:
    """The same staff user, logged in in another browser (another session)."""
    client = Client()
    client.force_login(staff)
    return client


def assert_still_pending(account: BotAccount) -> None:
    account.refresh_from_db()
    assert account.status == BotAccount.Status.PENDING
    assert account.twitter_oauth_token == xmock.REQUEST_TOKEN
    assert account.twitter_oauth_token_secret == xmock.REQUEST_SECRET
    assert len(account.link_session_hash) == 64
    assert (account.twitter_access_token, account.twitter_user_id) == ("", "")


def test_starting_in_a_browser_keeps_a_value_in_its_session_and_only_its_digest(
    staff_client, account, x
):
    xmock.request_token(x)
    assert start(staff_client, account).status_code == 302
    nonce = staff_client.session[SESSION_KEY][str(account.pk)]
    account.refresh_from_db()
    assert account.link_session_hash == hashlib.sha256(nonce.encode()).hexdigest()
    assert nonce not in account.link_session_hash


def test_the_browser_that_started_the_link_finishes_it(staff_client, account, x):
    xmock.request_token(x)
    xmock.access_token(x)
    start(staff_client, account)
    response = staff_client.get(CALLBACK, APPROVED)
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.link_session_hash == ""


def test_another_session_of_the_same_user_cannot_complete_it(
    staff_client, other_browser, account, x
):
    xmock.request_token(x)
    xmock.access_token(x)
    start(staff_client, account)
    response = other_browser.get(CALLBACK, APPROVED)
    assert response.status_code == 400
    assert "started in another browser session" in response.content.decode()
    assert [c.request.url for c in x.calls] == [xmock.REQUEST_TOKEN_URL]
    assert_still_pending(account)
    # The browser that started it still can.
    assert staff_client.get(CALLBACK, APPROVED).status_code == 302
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED


def test_another_session_cannot_cancel_it_either(staff_client, other_browser, account, x):
    xmock.request_token(x)
    start(staff_client, account)
    response = other_browser.get(CALLBACK, {"denied": xmock.REQUEST_TOKEN})
    assert response.status_code == 400
    assert_still_pending(account)


def test_a_callback_approved_by_an_attacker_links_nothing_when_opened_in_another_browser(
    staff_client, other_browser, account, x
):
    # The attacker learned the request token, approved it as his own X account, and sent the
    # resulting callback URL to the staff member, who opens it from a mail client's browser.
    xmock.request_token(x)
    xmock.access_token(x, user_id="666", screen_name="attacker")
    start(staff_client, account)
    response = other_browser.get(CALLBACK, APPROVED)
    assert response.status_code == 400
    assert len(x.calls) == 1
    assert_still_pending(account)
    assert not BotAccount.objects.filter(twitter_user_id="666").exists()


def test_a_new_start_in_the_same_browser_replaces_the_binding(staff_client, account, x):
    xmock.request_token(x)
    start(staff_client, account)
    first = staff_client.session[SESSION_KEY][str(account.pk)]
    start(staff_client, account)
    second = staff_client.session[SESSION_KEY][str(account.pk)]
    account.refresh_from_db()
    assert first != second
    assert account.link_session_hash == hashlib.sha256(second.encode()).hexdigest()


def test_a_flow_started_without_a_session_is_not_bound(staff, staff_client, account, x):
    # Scripts, tests and the PIN command have no browser session.
    xmock.request_token(x)
    xmock.access_token(x)
    flows.start_link(account=account, user=staff, callback="http://testserver/botauth/callback/")
    account.refresh_from_db()
    assert account.link_session_hash == ""
    assert staff_client.get(CALLBACK, APPROVED).status_code == 302
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED


def test_a_caller_without_a_session_completes_an_unbound_flow(staff, account, x):
    xmock.request_token(x)
    xmock.access_token(x)
    flows.start_link(account=account, user=staff, callback="http://testserver/botauth/callback/")
    linked = flows.complete_link(
        account=account, oauth_token=xmock.REQUEST_TOKEN, verifier=xmock.VERIFIER, user=staff
    )
    assert linked.twitter_username == xmock.SCREEN_NAME
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == xmock.ACCESS_TOKEN


def test_a_caller_without_the_session_cannot_complete_a_bound_flow(staff, staff_client, account, x):
    xmock.request_token(x)
    start(staff_client, account)
    account.refresh_from_db()
    with pytest.raises(FlowNotFoundError, match="another browser session"):
        flows.complete_link(
            account=account, oauth_token=xmock.REQUEST_TOKEN, verifier=xmock.VERIFIER, user=staff
        )
    assert len(x.calls) == 1
    assert_still_pending(account)
