"""Bulk refresh and verification as Django tasks, run with Django 6's immediate backend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from botauth import tasks
from botauth.models import BotAccount
from tests import xmock, xtoken
from tests.helpers import make_linked
from tests.xtoken import TokenX, access, oauth2_bot

needs_django_tasks = pytest.mark.skipif(
    getattr(tasks, "task", None) is None,
    reason="django.tasks is Django 6's: these run on Django 6.x only",
)


@pytest.fixture(autouse=True)
def client_app(settings):
    settings.TWITTER_CLIENT_ID = xtoken.CLIENT_ID
    settings.TWITTER_CLIENT_SECRET = xtoken.CLIENT_SECRET
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def test_refresh_due_tokens_refreshes_what_expires_and_counts(db, x):
    due = oauth2_bot("duebot", expires_in=timedelta(minutes=-3))
    oauth2_bot("freshbot", n=5, expires_in=timedelta(hours=1), user_id="2")
    make_linked("o1bot")
    TokenX(x, valid=xtoken.refresh(0))

    assert tasks.refresh_due_tokens() == {"refreshed": 1}

    due.refresh_from_db()
    assert due.twitter_access_token == access(1)
    assert len(x.calls) == 1


def test_refresh_due_tokens_reports_a_refused_token(db, x):
    account = oauth2_bot(expires_in=timedelta(minutes=-3))
    x.post(xtoken.TOKEN_URL, json=xtoken.INVALID_TOKEN, status=400)
    assert tasks.refresh_due_tokens() == {"relink": 1}
    account.refresh_from_db()
    assert account.last_verification == BotAccount.Verification.REFRESH_REFUSED


def test_refresh_due_tokens_tries_an_account_x_cannot_refresh_once(db, x):
    account = oauth2_bot(expires_in=timedelta(minutes=-3))
    x.post(xtoken.TOKEN_URL, json={"title": "Service Unavailable"}, status=503)
    assert tasks.refresh_due_tokens() == {"error": 1}
    assert len(x.calls) == 1
    account.refresh_from_db()
    assert account.twitter_access_token == access(0)


@needs_django_tasks
def test_the_refresh_task_runs_on_the_immediate_backend(db, x):
    account = oauth2_bot(expires_in=timedelta(minutes=20))
    TokenX(x, valid=xtoken.refresh(0))

    result = tasks.refresh_bot_tokens.enqueue(expiring_within=3600)

    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"refreshed": 1}
    account.refresh_from_db()
    assert account.twitter_refresh_token == xtoken.refresh(1)
    assert account.token_expires_at is not None
    assert account.token_expires_at > timezone.now() + timedelta(hours=1)


@needs_django_tasks
def test_the_verify_task_runs_on_the_immediate_backend(db, x):
    account = make_linked("o1bot")
    xmock.users_me(x)

    result = tasks.verify_bot_tokens.enqueue()

    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"valid": 1}
    account.refresh_from_db()
    assert account.last_verification == BotAccount.Verification.VALID


@needs_django_tasks
def test_the_verify_task_skips_what_was_verified_lately(db, x):
    make_linked("o1bot")
    BotAccount.objects.update(last_verified_at=timezone.now())
    result = tasks.verify_bot_tokens.enqueue(stale_after=3600)
    assert result.return_value == {}
    assert len(x.calls) == 0
