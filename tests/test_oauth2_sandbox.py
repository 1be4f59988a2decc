"""Linking with OAuth 2.0 against the sandbox, in process: botauth's calls to X are handed by
`responses` to Django's test client, which serves the sandbox's real OAuth 2.0 provider."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import responses
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from botauth import verification
from botauth.models import BotAccount
from botauth_sandbox.keys import derive_oauth2_client
from botauth_sandbox.models import OAuth2Client, OAuth2Grant, OAuth2Token, SandboxUser
from botauth_sandbox.oauth2 import tokens
from tests import spec

SANDBOX = "http://testserver/sandbox"
CALLBACK_URL = "http://testserver/botauth/callback/"


@dataclass
class Sandbox:
    """The sandbox as botauth reaches it: every request and the JSON it answered."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    answers: list[tuple[str, int, object]] = field(default_factory=list)

    def forward(self, request) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        body = request.body or b""
        headers = {
            "HTTP_" + name.upper().replace("-", "_"): value
            for name, value in request.headers.items()
            if name.lower() not in ("content-type", "content-length", "host")
        }
        response = Client().generic(
            request.method,
            path,
            body.encode() if isinstance(body, str) else body,
            content_type=request.headers.get("Content-Type", ""),
            **headers,
        )
        self.calls.append((request.method, url.path))
        if response["Content-Type"].startswith(("application/json", "application/problem+json")):
            self.answers.append((url.path, response.status_code, json.loads(response.content)))
        return response.status_code, dict(response.items()), response.content


@pytest.fixture
def sandbox(settings, db) -> Iterator[Sandbox]:
    settings.BOTAUTH_X_API_URL = SANDBOX
    settings.SANDBOX_PROVISION_OAUTH2_CLIENT = True
    settings.SANDBOX_ENFORCE_RATE_LIMITS = False
    settings.TWITTER_CLIENT_ID, settings.TWITTER_CLIENT_SECRET = derive_oauth2_client(
        settings.SECRET_KEY
    )
    served = Sandbox()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        for method in ("GET", "POST", "DELETE"):
            rsps.add_callback(method, re.compile(re.escape(SANDBOX) + "/.*"), served.forward)
        yield served


def consent_path(location: str) -> str:
    url = urlsplit(location)
    assert f"{url.scheme}://{url.netloc}" == "http://testserver"
    return f"{url.path}?{url.query}"


def link(client: Client, account: BotAccount, *, username: str = "sandbot", action="authorize"):
    """The admin's button, the sandbox's consent page, and X's redirect back."""
    start = client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))
    consent = consent_path(start["Location"])
    assert consent.startswith("/sandbox/i/oauth2/authorize?"), consent
    page = client.get(consent)
    assert page.status_code == 200, page.content
    assert "SANDBOX" in page.content.decode()
    back = client.post(consent, {"username": username, "action": action})
    assert back.status_code == 302, back.content
    assert back["Location"].startswith(CALLBACK_URL)
    return client.get(back["Location"])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_bot_links_with_two_calls_to_the_sandbox(staff_client, account, sandbox, settings):
    response = link(staff_client, account)
    assert response.status_code == 302
    assert messages_of(response) == ["Linked @sandbot"]
    assert sandbox.calls == [("POST", "/sandbox/2/oauth2/token"), ("GET", "/sandbox/2/users/me")]
    (_, status, me) = sandbox.answers[1]
    assert status == 200
    spec.validate("GetUsersMeResponse", me)
    user = SandboxUser.objects.get(username="sandbot")
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.protocol == BotAccount.Protocol.OAUTH2
    assert (account.twitter_user_id, account.twitter_username) == (user.user_id, "sandbot")
    assert account.scopes == "tweet.read tweet.write users.read offline.access media.write"
    assert account.twitter_oauth_token == ""
    issued = OAuth2Token.objects.get(grant__user=user)
    assert issued.access_digest == tokens.digest(account.twitter_access_token)
    assert issued.refresh_digest == tokens.digest(account.twitter_refresh_token)
    assert abs(account.token_expires_at - issued.expires_at) < timedelta(seconds=5)
    # The sandbox provisioned the client botauth derived from SECRET_KEY.
    assert OAuth2Client.objects.get().client_id == derive_oauth2_client(settings.SECRET_KEY)[0]


def test_the_token_lifetime_comes_from_x(staff_client, account, sandbox, settings):
    settings.SANDBOX_OAUTH2_ACCESS_TOKEN_TTL = 60
    before = timezone.now()
    link(staff_client, account)
    account.refresh_from_db()
    assert before + timedelta(seconds=60) <= account.token_expires_at
    assert account.token_expires_at <= timezone.now() + timedelta(seconds=60)


def test_the_linked_bot_verifies_with_its_bearer_token(staff_client, account, sandbox):
    # check() itself: verify_bot_tokens' worker threads would open their own connections to the
    # test's in-memory database (the browser test runs the command against a live sandbox).
    link(staff_client, account)
    account.refresh_from_db()
    outcome = verification.check(account)
    assert (outcome.result, outcome.username, outcome.protocol) == ("valid", "sandbot", "oauth2")
    assert sandbox.calls[-1] == ("GET", "/sandbox/2/users/me")
    assert sandbox.answers[-1][1] == 200


def test_cancelling_on_the_sandbox_links_nothing(staff_client, account, sandbox):
    response = link(staff_client, account, action="cancel")
    assert messages_of(response) == ["Authorization was cancelled on X; “newsbot” was not linked."]
    assert sandbox.calls == []
    account.refresh_from_db()
    assert (account.status, account.twitter_oauth_token) == (BotAccount.Status.UNLINKED, "")
    assert not OAuth2Grant.objects.exists()


def test_a_replayed_callback_is_refused_without_calling_the_sandbox(staff_client, account, sandbox):
    start = staff_client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))
    consent = consent_path(start["Location"])
    back = staff_client.post(consent, {"username": "sandbot", "action": "authorize"})
    assert staff_client.get(back["Location"]).status_code == 302
    replay = staff_client.get(back["Location"])
    assert replay.status_code == 400
    assert len(sandbox.calls) == 2
    assert OAuth2Token.objects.count() == 1


def test_a_wrong_verifier_is_refused_by_the_sandbox_and_stores_nothing(
    staff_client, account, sandbox
):
    start = staff_client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))
    back = staff_client.post(consent_path(start["Location"]), {"username": "sandbot"})
    account.refresh_from_db()
    account.twitter_oauth_token_secret = "A" * 43
    account.save()
    response = staff_client.get(back["Location"])
    assert response.status_code == 400
    assert "invalid_request: Value passed for the authorization code was invalid." in (
        response.content.decode()
    )
    assert sandbox.answers[0][1:] == (
        400,
        {
            "error": "invalid_request",
            "error_description": "Value passed for the authorization code was invalid.",
        },
    )
    account.refresh_from_db()
    assert (account.twitter_access_token, account.protocol) == ("", "")
    assert not OAuth2Token.objects.exists()


def test_a_wrong_client_secret_is_named(staff_client, account, sandbox, settings):
    start = staff_client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))
    back = staff_client.post(consent_path(start["Location"]), {"username": "sandbot"})
    # The sandbox keeps the client it provisioned; botauth now signs in with another secret.
    settings.SANDBOX_PROVISION_OAUTH2_CLIENT = False
    settings.TWITTER_CLIENT_SECRET = "not-the-secret"
    response = staff_client.get(back["Location"])
    assert response.status_code == 400
    body = response.content.decode()
    assert "X refused the request (401)" in body
    assert "Check TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET" in body
    account.refresh_from_db()
    assert account.twitter_access_token == ""


def test_scopes_the_sandbox_grants_short_are_warned_about(staff_client, account, sandbox, settings):
    settings.BOTAUTH_OAUTH2_SCOPES = "tweet.read users.read"
    response = link(staff_client, account)
    assert messages_of(response)[0] == "Linked @sandbot"
    assert "without tweet.write it cannot post" in messages_of(response)[1]
    assert "without offline.access it cannot refresh" in messages_of(response)[1]
    account.refresh_from_db()
    assert (account.scopes, account.twitter_refresh_token) == ("tweet.read users.read", "")


def test_unlink_revokes_the_grant_at_the_sandbox(staff_client, account, sandbox):
    link(staff_client, account)
    account.refresh_from_db()
    access_token = account.twitter_access_token
    response = staff_client.post(reverse("admin:botauth_botaccount_unlink", args=[account.pk]))
    assert messages_of(response)[-1] == "Unlinked “newsbot”; X revoked its token."
    assert sandbox.calls[-2:] == [
        ("POST", "/sandbox/2/oauth2/revoke"),
        ("POST", "/sandbox/2/oauth2/revoke"),
    ]
    assert [answer for _, _, answer in sandbox.answers[-2:]] == [{"revoked": True}] * 2
    assert OAuth2Token.objects.get().revoked
    account.refresh_from_db()
    assert (account.status, account.twitter_access_token) == (BotAccount.Status.UNLINKED, "")
    me = Client().get("/sandbox/2/users/me", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert me.status_code == 401
    spec.validate_problem(json.loads(me.content))


def test_relinking_as_the_same_user_replaces_the_tokens(staff_client, account, sandbox):
    link(staff_client, account)
    account.refresh_from_db()
    first = account.twitter_access_token
    response = link(staff_client, account)
    assert messages_of(response)[-1] == "Linked @sandbot"
    account.refresh_from_db()
    assert account.twitter_access_token != first
    assert OAuth2Token.objects.count() == 2
    assert len(sandbox.calls) == 4
