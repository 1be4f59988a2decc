"""Django's error report (the DEBUG page, the ADMINS e-mail) never shows a token."""

from __future__ import annotations

import sys

import pytest
from django.utils import timezone
from django.views.debug import ExceptionReporter

from botauth import flows, oauth
from botauth.models import BotAccount
from tests import xmock
from tests.conftest import make_linked

# Report pages quote test source around each frame, so secrets are never spelled out here.
SECRETS = (xmock.REQUEST_SECRET, xmock.ACCESS_SECRET, xmock.ACCESS_TOKEN)


def report_of(rf, user, crash) -> str:
    request = rf.get("/botauth/callback/")
    request.user = user
    try:
        crash()
    except RuntimeError:
        return ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    raise AssertionError("no crash")


def test_a_crash_after_the_exchange_shows_no_secret(rf, staff, account, x, monkeypatch, settings):
    account.twitter_oauth_token = xmock.REQUEST_TOKEN
    account.twitter_oauth_token_secret = xmock.REQUEST_SECRET
    account.link_started_by = staff
    account.link_started_at = timezone.now()
    account.status = BotAccount.Status.PENDING
    account.save()
    xmock.access_token(x)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(oauth, "AccessGrant", boom)
    html = report_of(
        rf,
        staff,
        lambda: flows.complete_link(
            account=account, oauth_token=xmock.REQUEST_TOKEN, verifier=xmock.VERIFIER, user=staff
        ),
    )
    assert "disk full" in html
    assert "fetch_access_token" in html
    for secret in (*SECRETS, settings.TWITTER_CONSUMER_API_KEY_SECRET):
        assert secret not in html
    account.refresh_from_db()
    assert account.twitter_access_token == ""


@pytest.mark.parametrize("method", ["get_tweepy_client", "get_tweepy_api"])
def test_a_crash_while_building_a_client_shows_no_secret(rf, staff, monkeypatch, settings, method):
    account = make_linked("crashy")
    secrets = (
        account.twitter_access_token,
        account.twitter_access_token_secret,
        settings.TWITTER_CONSUMER_API_KEY_SECRET,
    )

    def boom(*args, **kwargs):
        raise RuntimeError("tweepy broke")

    monkeypatch.setattr("tweepy.Client.__init__", boom)
    monkeypatch.setattr("tweepy.API.__init__", boom)
    html = report_of(rf, staff, lambda: getattr(account, method)())
    assert "tweepy broke" in html
    for secret in secrets:
        assert secret not in html
