"""An OAuth 2.0 bot against the live sandbox: its tokens expire, rotate single use, get revoked."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone

from botauth.exceptions import ReauthorizationRequiredError
from botauth.models import BotAccount
from botauth_sandbox.models import (
    OAuth2Client,
    OAuth2Grant,
    OAuth2Token,
    SandboxApp,
    SandboxUser,
)
from botauth_sandbox.oauth2 import tokens
from tests import spec, xtoken
from tests.helpers import CLIENT_ID, CLIENT_SECRET, REDIRECT, call
from tests.sandbox.oauth2.conftest import Flow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(live_server, settings) -> Flow:
    settings.BOTAUTH_X_API_URL = f"{live_server.url}/sandbox"
    settings.TWITTER_CLIENT_ID = CLIENT_ID
    settings.TWITTER_CLIENT_SECRET = CLIENT_SECRET
    app = SandboxApp.objects.create(
        name="Refresh app", key="refresh-consumer-key", secret="s" * 30, callback_urls=REDIRECT
    )
    OAuth2Client.objects.create(app=app, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    return Flow(client=Client())


def linked_bot(flow: Flow, name: str = "sandboxbot") -> BotAccount:
    """A bot linked through the sandbox's consent and code exchange, as botauth stores it."""
    token = flow.token(scope=xtoken.SCOPES, username=name)
    user = SandboxUser.objects.get(username=name)
    return BotAccount.objects.create(
        name=name,
        status=BotAccount.Status.LINKED,
        protocol=BotAccount.Protocol.OAUTH2,
        twitter_access_token=token["access_token"],
        twitter_refresh_token=token["refresh_token"],
        token_expires_at=timezone.now() + timedelta(seconds=float(token["expires_in"])),
        scopes=token["scope"],
        twitter_user_id=user.user_id,
        twitter_username=name,
        linked_at=timezone.now() - timedelta(hours=3),
    )


def expire(account: BotAccount) -> None:
    """Two hours later: the sandbox's token and botauth's record of it have both expired."""
    past = timezone.now() - timedelta(minutes=1)
    OAuth2Token.objects.filter(refreshed=False).update(expires_at=past)
    BotAccount.objects.filter(pk=account.pk).update(token_expires_at=past)


def test_a_bot_keeps_working_across_expiry_with_one_refresh(sandbox):
    account = linked_bot(sandbox)
    client = account.get_tweepy_client()
    assert client.get_me().data.username == "sandboxbot"
    expire(account)
    held = BotAccount.objects.get(pk=account.pk).get_tweepy_client()

    assert held.get_me().data.username == "sandboxbot"
    assert client.get_me().data.username == "sandboxbot"  # picks up, does not refresh again

    old, new = OAuth2Token.objects.order_by("pk")
    assert (old.refreshed, new.refreshed) == (True, False)
    account.refresh_from_db()
    assert tokens.digest(account.twitter_refresh_token) == new.refresh_digest
    assert tokens.digest(account.twitter_access_token) == new.access_digest
    assert account.token_expires_at is not None
    assert abs(account.token_expires_at - new.expires_at) < timedelta(seconds=5)


def test_a_token_the_sandbox_retired_early_is_replaced_and_the_call_retried(sandbox, settings):
    settings.SANDBOX_OAUTH2_REFRESH_REVOKES_ACCESS_TOKEN = True
    account = linked_bot(sandbox)
    client = account.get_tweepy_client()
    # Another worker refreshes; the sandbox ends the old access token at once.
    stored = BotAccount.objects.get(pk=account.pk)
    answer = json.loads(sandbox.refresh(stored.twitter_refresh_token).content)
    xtoken.check_answer_shape(answer)
    stored.twitter_access_token = answer["access_token"]
    stored.twitter_refresh_token = answer["refresh_token"]
    stored.save()

    assert client.get_me().data.username == "sandboxbot"
    assert OAuth2Token.objects.count() == 2  # retried with the stored token, no third refresh


def test_a_revoked_grant_asks_for_a_re_link_once(sandbox, settings):
    account = linked_bot(sandbox)
    revoked = sandbox.revoke(account.twitter_refresh_token)
    assert revoked.status_code == 200
    expired = requests.get(
        f"{settings.BOTAUTH_X_API_URL}/2/users/me",
        headers={"Authorization": f"Bearer {account.twitter_access_token}"},
        timeout=10,
    )
    assert expired.status_code == 401
    spec.validate_problem(expired.json())
    expire(account)
    client = account.get_tweepy_client()

    with pytest.raises(
        ReauthorizationRequiredError, match="Value passed for the token was invalid"
    ):
        client.get_me()

    account.refresh_from_db()
    assert account.status == BotAccount.Status.INVALID
    assert account.last_verification == BotAccount.Verification.REFRESH_REFUSED
    with pytest.raises(ReauthorizationRequiredError):
        account.get_tweepy_client()


def test_a_401_while_the_token_is_fresh_finds_the_grant_revoked(sandbox):
    account = linked_bot(sandbox)
    OAuth2Grant.objects.revoke()  # the user revoked the app on X, before the token expired

    with pytest.raises(ReauthorizationRequiredError):
        account.get_tweepy_client().get_me()

    account.refresh_from_db()
    assert account.last_verification == BotAccount.Verification.REFRESH_REFUSED
    assert OAuth2Token.objects.count() == 1


def test_refresh_bot_tokens_keeps_an_idle_bot_alive(sandbox):
    account = linked_bot(sandbox)
    expire(account)

    out, err, code = call("refresh_bot_tokens")

    assert (code, err) == (0, "")
    assert out.splitlines()[1].split()[:2] == ["sandboxbot", "refreshed"]
    account.refresh_from_db()
    new = OAuth2Token.objects.get(refreshed=False)
    assert tokens.digest(account.twitter_refresh_token) == new.refresh_digest
    assert account.get_tweepy_client().get_me().data.username == "sandboxbot"
