from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from botauth_sandbox.models import OAuth2Client, OAuth2Grant, OAuth2Token, SandboxApp
from tests.helpers import (
    INVALID_TOKEN,
    MISSING_AUTHORIZATION,
    POSTING,
    answer,
    basic,
    me,
    sha256,
)


def test_refresh_returns_a_new_access_and_refresh_token(flow):
    first = flow.token()

    response = flow.refresh(first["refresh_token"])

    body = answer(response)
    assert response.status_code == 200
    assert list(body) == ["token_type", "expires_in", "access_token", "scope", "refresh_token"]
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("bearer", 7200, POSTING)
    assert body["access_token"] != first["access_token"]
    assert body["refresh_token"] != first["refresh_token"]
    old, new = OAuth2Token.objects.order_by("pk")
    assert (old.refreshed, old.revoked) == (True, False)
    assert (new.refreshed, new.revoked, new.grant_id) == (False, False, old.grant_id)
    assert new.access_digest == sha256(body["access_token"])
    assert new.refresh_digest == sha256(body["refresh_token"])


def test_the_old_refresh_token_is_refused_with_x_body_and_the_new_one_works(flow):
    first = flow.token()
    second = answer(flow.refresh(first["refresh_token"]))

    refused = flow.refresh(first["refresh_token"])

    assert refused.status_code == 400
    assert answer(refused) == INVALID_TOKEN
    assert OAuth2Token.objects.count() == 2
    third = flow.refresh(second["refresh_token"])
    assert third.status_code == 200
    assert OAuth2Token.objects.count() == 3


def test_the_old_access_token_keeps_working_until_it_expires(flow):
    first = flow.token()
    flow.refresh(first["refresh_token"])

    response = me(flow.client, first["access_token"])

    assert response.status_code == 200
    OAuth2Token.objects.filter(access_digest=sha256(first["access_token"])).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert me(flow.client, first["access_token"]).status_code == 401


def test_a_refresh_can_end_the_old_access_token_at_once(flow, settings):
    settings.SANDBOX_OAUTH2_REFRESH_REVOKES_ACCESS_TOKEN = True
    first = flow.token()
    second = answer(flow.refresh(first["refresh_token"]))

    assert me(flow.client, first["access_token"]).status_code == 401
    assert me(flow.client, second["access_token"]).status_code == 200
    assert OAuth2Token.objects.get(access_digest=sha256(first["access_token"])).revoked


def test_a_refresh_without_basic_auth_is_refused_and_changes_nothing(flow):
    first = flow.token()

    refused = flow.refresh(first["refresh_token"], authorization="", client_id=flow.client_id)

    assert refused.status_code == 401
    assert answer(refused) == MISSING_AUTHORIZATION
    assert not OAuth2Token.objects.get().refreshed
    assert flow.refresh(first["refresh_token"]).status_code == 200


def test_a_refresh_with_a_wrong_secret_is_refused_and_changes_nothing(flow):
    first = flow.token()

    refused = flow.refresh(first["refresh_token"], authorization=basic(secret="wrong"))

    assert refused.status_code == 401
    assert answer(refused) == MISSING_AUTHORIZATION
    assert not OAuth2Token.objects.get().refreshed


def test_another_apps_refresh_token_is_refused(flow):
    first = flow.token()
    other = SandboxApp.objects.create(name="Other", key="other-consumer-key", secret="s" * 20)
    OAuth2Client.objects.create(app=other, client_id="other-client", client_secret="other-secret")

    refused = flow.refresh(
        first["refresh_token"], authorization=basic("other-client", "other-secret")
    )

    assert refused.status_code == 400
    assert answer(refused) == INVALID_TOKEN
    assert not OAuth2Token.objects.get().refreshed


def test_an_unknown_refresh_token_is_refused(flow):
    flow.token()

    refused = flow.refresh("bm90LWEtcmVmcmVzaC10b2tlbg")

    assert refused.status_code == 400
    assert answer(refused) == INVALID_TOKEN
    assert OAuth2Token.objects.count() == 1


def test_an_access_token_is_no_refresh_token(flow):
    first = flow.token()

    refused = flow.refresh(first["access_token"])

    assert answer(refused) == INVALID_TOKEN
    assert not OAuth2Token.objects.get().refreshed


def test_a_revoked_grants_refresh_token_is_refused(flow):
    first = flow.token()
    OAuth2Grant.objects.revoke()

    refused = flow.refresh(first["refresh_token"])

    assert refused.status_code == 400
    assert answer(refused) == INVALID_TOKEN
    assert OAuth2Token.objects.count() == 1


def test_an_expired_refresh_token_is_refused(flow):
    first = flow.token()
    OAuth2Token.objects.update(refresh_expires_at=timezone.now() - timedelta(seconds=1))

    refused = flow.refresh(first["refresh_token"])

    assert answer(refused) == INVALID_TOKEN
    assert not OAuth2Token.objects.get().refreshed


def test_a_refresh_keeps_working_after_the_access_token_expired(flow, settings):
    settings.SANDBOX_OAUTH2_ACCESS_TOKEN_TTL = 1
    first = flow.token()
    OAuth2Token.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert me(flow.client, first["access_token"]).status_code == 401

    second = answer(flow.refresh(first["refresh_token"]))

    assert second["expires_in"] == 1
    assert me(flow.client, second["access_token"]).status_code == 200


def test_a_refresh_may_narrow_the_scopes(flow):
    first = flow.token()

    body = answer(
        flow.refresh(first["refresh_token"], scope="tweet.read users.read offline.access")
    )

    assert body["scope"] == "tweet.read users.read offline.access"
    latest = OAuth2Token.objects.order_by("pk").last()
    assert latest is not None
    assert latest.scopes == body["scope"]


def test_a_refresh_cannot_widen_the_scopes(flow):
    first = flow.token(scope="tweet.read users.read offline.access")

    refused = flow.refresh(first["refresh_token"], scope="tweet.read tweet.write offline.access")

    assert refused.status_code == 400
    assert answer(refused)["error"] == "invalid_scope"
    assert not OAuth2Token.objects.get().refreshed
