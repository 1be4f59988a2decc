from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from botauth.models import BotAccount
from tests import xmock
from tests.helpers import make_linked, messages_of


def start_url(account: BotAccount) -> str:
    return reverse("botauth:authenticate_twitter", args=[account.pk])


def test_start_redirects_to_x_authorize_and_stores_the_pending_flow(
    staff_client, staff, account, x
):
    xmock.request_token(x)
    response = staff_client.post(start_url(account))
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert (url.scheme, url.netloc, url.path) == ("https", "api.twitter.com", "/oauth/authorize")
    assert parse_qs(url.query) == {"oauth_token": [xmock.REQUEST_TOKEN], "force_login": ["true"]}
    account.refresh_from_db()
    assert account.status == BotAccount.Status.PENDING
    assert account.twitter_oauth_token == xmock.REQUEST_TOKEN
    assert account.twitter_oauth_token_secret == xmock.REQUEST_SECRET
    assert account.link_started_by == staff
    assert account.link_started_at is not None
    assert 'oauth_callback="http%3A%2F%2Ftestserver%2Fbotauth%2Fcallback%2F"' in (
        x.calls[0].request.headers["Authorization"].decode()
    )


def test_relink_names_the_bot_and_keeps_the_stored_pair(staff_client, x, db):
    account = make_linked("relink", username="newsbot")
    xmock.request_token(x)
    response = staff_client.post(start_url(account))
    assert parse_qs(urlsplit(response["Location"]).query)["screen_name"] == ["newsbot"]
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == f"{xmock.USER_ID}-accesstokenrelink"


def test_configured_callback_url_is_used(staff_client, account, x, settings):
    settings.BOTAUTH_CALLBACK_URL = "https://bots.example.com/botauth/callback/"
    xmock.request_token(x)
    staff_client.post(start_url(account))
    assert 'oauth_callback="https%3A%2F%2Fbots.example.com%2Fbotauth%2Fcallback%2F"' in (
        x.calls[0].request.headers["Authorization"].decode()
    )


def test_get_starts_nothing_and_sends_the_person_to_the_button(staff_client, account, x):
    response = staff_client.get(start_url(account))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:botauth_botaccount_change", args=[account.pk])
    assert messages_of(response) == [
        "Linking with X starts from the “Link with X” button on this page, not from an address "
        "opened directly. Nothing was started."
    ]
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.twitter_oauth_token == ""
    assert account.status == BotAccount.Status.UNLINKED


def test_get_needs_a_staff_login(client, account, x):
    response = client.get(start_url(account))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert len(x.calls) == 0


def test_get_of_an_unknown_account_is_404(staff_client, x, db):
    assert staff_client.get(reverse("botauth:authenticate_twitter", args=[999])).status_code == 404
    assert len(x.calls) == 0


def test_get_without_any_permission_is_forbidden(account, x):
    user = User.objects.create_user("plainstaff", password="pw", is_staff=True)
    client = Client()
    client.force_login(user)
    assert client.get(start_url(account)).status_code == 403
    account.refresh_from_db()
    assert account.twitter_oauth_token == ""


def test_post_without_csrf_token_is_refused(staff, account, x):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(start_url(account))
    assert response.status_code == 403
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED


def test_anonymous_user_is_sent_to_login(client, account, x):
    response = client.post(start_url(account))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert len(x.calls) == 0


def test_staff_without_change_permission_is_forbidden(account, x, db):
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    client = Client()
    client.force_login(user)
    response = client.post(start_url(account))
    assert response.status_code == 403
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.twitter_oauth_token == ""


def test_unknown_account_is_404(staff_client, x, db):
    response = staff_client.post(reverse("botauth:authenticate_twitter", args=[999]))
    assert response.status_code == 404
    assert len(x.calls) == 0


def test_x_timeout_goes_back_to_the_admin_with_a_message_and_stores_nothing(
    staff_client, account, x
):
    x.post(xmock.REQUEST_TOKEN_URL, body=requests.ReadTimeout("slow"))
    response = staff_client.post(start_url(account))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:botauth_botaccount_change", args=[account.pk])
    assert messages_of(response) == [
        "Could not start linking “newsbot” with X: X did not answer in time while getting a "
        "request token; try again."
    ]
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert account.twitter_oauth_token == ""
    assert account.link_started_by is None


def test_unconfirmed_callback_stores_nothing(staff_client, account, x):
    xmock.request_token(x, confirmed="")
    response = staff_client.post(start_url(account))
    assert response.status_code == 302
    assert "did not confirm the callback" in messages_of(response)[0]
    account.refresh_from_db()
    assert account.twitter_oauth_token == ""


def test_missing_consumer_keys_are_reported_not_crashed(staff_client, account, x, settings):
    settings.TWITTER_CONSUMER_API_KEY = ""
    response = staff_client.post(start_url(account))
    assert response.status_code == 302
    assert "TWITTER_CONSUMER_API_KEY" in messages_of(response)[0]
    assert len(x.calls) == 0


def test_error_redirect_honours_a_safe_next_only(staff_client, account, x):
    x.post(xmock.REQUEST_TOKEN_URL, status=503)
    x.post(xmock.REQUEST_TOKEN_URL, status=503)
    safe = staff_client.post(start_url(account), {"next": "/admin/botauth/botaccount/"})
    assert safe["Location"] == "/admin/botauth/botaccount/"
    evil = staff_client.post(start_url(account), {"next": "https://evil.example/"})
    assert evil["Location"] == reverse("admin:botauth_botaccount_change", args=[account.pk])
