"""Django's error report (the DEBUG page, the ADMINS e-mail) never shows a token."""

from __future__ import annotations

import sys

import pytest
from django.test import Client
from django.utils import timezone
from django.views.debug import (
    ExceptionReporter,
    SafeExceptionReporterFilter,
    get_default_exception_reporter_filter,
)

from botauth import flows, oauth, reporting
from botauth.models import BotAccount
from tests import xmock
from tests.helpers import make_linked

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


# With DEBUG on (issue 9, item 3). Values are built, not written, so quoted source shows none.
DB_PASSWORD = "-".join(["hunter2", "db", "password"])
DATABASE_URL = f"postgres://botauth:{DB_PASSWORD}@db.internal:5432/botauth"
BROKER_PASSWORD = "".join(["broker", "pass", "word"])
DJANGO_FILTER = "django.views.debug.SafeExceptionReporterFilter"


@pytest.fixture
def fresh_default_filter():
    # Django caches the default filter for the life of the process (functools.cache, which
    # django-stubs leave out of the function's type).
    get_default_exception_reporter_filter.cache_clear()  # type: ignore[attr-defined]
    yield
    get_default_exception_reporter_filter.cache_clear()  # type: ignore[attr-defined]


def crashing_callback(staff, account, x, monkeypatch, settings) -> Client:
    account.twitter_oauth_token = xmock.REQUEST_TOKEN
    account.twitter_oauth_token_secret = xmock.REQUEST_SECRET
    account.link_started_by = staff
    account.link_started_at = timezone.now()
    account.status = BotAccount.Status.PENDING
    account.save()
    xmock.access_token(x)
    monkeypatch.setattr(BotAccount, "save", disk_full)
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    return client


def disk_full(*args, **kwargs):
    raise RuntimeError("disk full")


def debug_page(client: Client, settings) -> str:
    response = client.get(
        "/botauth/callback/",
        {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER},
        # What runserver copies from the environment into every request's META.
        DATABASE_URL=DATABASE_URL,
        BOTAUTH_ENCRYPTION_KEYS=settings.BOTAUTH_ENCRYPTION_KEYS[0],
        TWITTER_CONSUMER_API_KEY_SECRET=settings.TWITTER_CONSUMER_API_KEY_SECRET,
    )
    assert response.status_code == 500
    html = response.content.decode()
    assert "RuntimeError" in html
    assert "disk full" in html
    assert "finish_link" in html  # the technical page, with its frames
    assert "DATABASE_URL" in html  # META is shown, its values cleansed
    return html


def leaked(html: str, settings) -> list[str]:
    secrets = {
        "access token": xmock.ACCESS_TOKEN,
        "access secret": xmock.ACCESS_SECRET,
        "request secret": xmock.REQUEST_SECRET,
        "encryption key": settings.BOTAUTH_ENCRYPTION_KEYS[0],
        "consumer secret": settings.TWITTER_CONSUMER_API_KEY_SECRET,
        "DATABASE_URL password": DB_PASSWORD,
    }
    return [name for name, value in secrets.items() if value in html]


def test_a_callback_crash_with_debug_on_shows_no_secret(
    staff, account, x, monkeypatch, settings, fresh_default_filter
):
    client = crashing_callback(staff, account, x, monkeypatch, settings)
    html = debug_page(client, settings)
    assert leaked(html, settings) == []
    monkeypatch.undo()
    account.refresh_from_db()
    assert account.twitter_access_token == ""
    assert account.status == BotAccount.Status.PENDING


def test_the_callback_reports_safely_even_when_the_project_kept_djangos_filter(
    staff, account, x, monkeypatch, settings, fresh_default_filter
):
    client = crashing_callback(staff, account, x, monkeypatch, settings)
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = DJANGO_FILTER
    assert leaked(debug_page(client, settings), settings) == []


def test_djangos_own_filter_shows_them_with_debug_on(
    staff, account, x, monkeypatch, settings, fresh_default_filter
):
    # Why the filter exists, and proof the page above would show a leak.
    client = crashing_callback(staff, account, x, monkeypatch, settings)
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = DJANGO_FILTER
    monkeypatch.setattr(reporting, "is_installed", lambda: True)
    assert leaked(debug_page(client, settings), settings) == [
        "access token",
        "access secret",
        "request secret",
        "DATABASE_URL password",
    ]


def test_verify_selected_crashing_with_debug_on_shows_no_token(
    staff, monkeypatch, settings, fresh_default_filter
):
    account = make_linked("crashverify")
    token, secret = account.twitter_access_token, account.twitter_access_token_secret
    settings.DEBUG = True
    monkeypatch.setattr(oauth, "user_auth", disk_full)
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    response = client.post(
        "/admin/botauth/botaccount/",
        {"action": "verify_selected", "_selected_action": [account.pk]},
    )
    html = response.content.decode()
    assert response.status_code == 500
    assert "disk full" in html
    assert token not in html
    assert secret not in html
    account.refresh_from_db()
    assert account.last_verified_at is None
    assert account.twitter_access_token == token


def bot_code(account: BotAccount) -> None:
    token = account.twitter_access_token
    header = f'OAuth oauth_consumer_key="k", oauth_token="{token}", oauth_signature="sig"'
    resource_owner_secret = account.twitter_access_token_secret
    settings_like = {"NAME": "bots", "PASSWORD": resource_owner_secret, "URL": DATABASE_URL}
    assert header and settings_like
    raise RuntimeError("bot code failed")


def test_tokens_in_bot_code_frames_are_hidden(rf, staff, settings, fresh_default_filter):
    account = make_linked("botcode")
    settings.DEBUG = True
    request = rf.get("/post/")
    request.user = staff
    try:
        bot_code(BotAccount.objects.get(pk=account.pk))
    except RuntimeError:
        html = ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    assert "bot code failed" in html
    assert "settings_like" in html
    assert "oauth_consumer_key" in html
    for secret in (account.twitter_access_token, account.twitter_access_token_secret, DB_PASSWORD):
        assert secret not in html


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("BROKER_URL", f"redis://:{BROKER_PASSWORD}@cache.internal:6379/0", "redis://:****"),
        ("SENTRY", f"https://key:{BROKER_PASSWORD}@sentry.example.com/1", "https://key:****"),
        ("CACHES", {"default": {"LOCATION": DATABASE_URL}}, "db.internal"),
        ("REMOTE", [f"amqp://u:{BROKER_PASSWORD}@mq/"], "amqp://u:****"),
        ("DATABASE_URL", DATABASE_URL, "********************"),
    ],
)
def test_credentials_inside_urls_are_hidden_in_any_setting(name, value, shown):
    cleansed = str(reporting.ExceptionReporterFilter().cleanse_setting(name, value))
    assert BROKER_PASSWORD not in cleansed
    assert DB_PASSWORD not in cleansed
    assert shown in cleansed


def test_the_filter_is_active_whatever_debug_says(rf, settings):
    settings.DEBUG = True
    request = rf.post("/", {"password": "x"})
    assert reporting.ExceptionReporterFilter().is_active(request)
    assert not SafeExceptionReporterFilter().is_active(request)
