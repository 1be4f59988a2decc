from __future__ import annotations

from botauth_sandbox.models import OAuth2Client, OAuth2Grant, OAuth2Token, SandboxApp
from tests.helpers import (
    CLIENT_ID,
    INVALID_TOKEN,
    MISSING_AUTHORIZATION,
    answer,
    basic,
    me,
)


def test_revoking_the_access_token_ends_the_whole_grant(flow):
    token = flow.token()

    response = flow.revoke(token["access_token"])

    assert response.status_code == 200
    assert answer(response) == {"revoked": True}
    assert OAuth2Grant.objects.get().revoked
    assert OAuth2Token.objects.get().revoked
    assert me(flow.client, token["access_token"]).status_code == 401
    assert answer(flow.refresh(token["refresh_token"])) == INVALID_TOKEN


def test_revoking_the_refresh_token_ends_the_access_token_too(flow):
    token = flow.token()

    response = flow.revoke(token["refresh_token"], token_type_hint="refresh_token")

    assert answer(response) == {"revoked": True}
    assert OAuth2Token.objects.get().revoked
    assert me(flow.client, token["access_token"]).status_code == 401


def test_revoking_ends_every_token_of_the_grant_and_no_other_grant(flow):
    first = flow.token()
    second = answer(flow.refresh(first["refresh_token"]))
    other = flow.token(username="otherbot")

    flow.revoke(second["access_token"])

    assert me(flow.client, first["access_token"]).status_code == 401
    assert me(flow.client, second["access_token"]).status_code == 401
    assert me(flow.client, other["access_token"]).status_code == 200
    assert list(OAuth2Grant.objects.order_by("pk").values_list("revoked", flat=True)) == [
        True,
        False,
    ]


def test_an_unknown_or_already_revoked_token_is_answered_the_same(flow):
    token = flow.token()
    flow.revoke(token["access_token"])

    again = flow.revoke(token["access_token"])
    unknown = flow.revoke("bm90LWEtdG9rZW4")

    assert (again.status_code, answer(again)) == (200, {"revoked": True})
    assert (unknown.status_code, answer(unknown)) == (200, {"revoked": True})
    assert OAuth2Grant.objects.count() == 1


def test_another_apps_token_is_not_revoked(flow):
    token = flow.token()
    other = SandboxApp.objects.create(name="Other", key="other-consumer-key", secret="s" * 20)
    OAuth2Client.objects.create(app=other, client_id="other-client", client_secret="other-secret")

    response = flow.revoke(
        token["access_token"], authorization=basic("other-client", "other-secret")
    )

    assert answer(response) == {"revoked": True}
    assert not OAuth2Grant.objects.get().revoked
    assert me(flow.client, token["access_token"]).status_code == 200


def test_revoke_without_basic_auth_of_a_confidential_client_is_refused(flow):
    token = flow.token()

    response = flow.revoke(token["access_token"], authorization="", client_id=CLIENT_ID)

    assert response.status_code == 401
    assert answer(response) == MISSING_AUTHORIZATION
    assert not OAuth2Grant.objects.get().revoked


def test_a_public_client_revokes_with_its_client_id(flow, oauth2_client):
    OAuth2Client.objects.filter(pk=oauth2_client.pk).update(public=True, client_secret="")
    code = flow.approve()["code"]
    token = answer(flow.exchange(code, authorization="", client_id=CLIENT_ID))

    response = flow.revoke(token["access_token"], authorization="", client_id=CLIENT_ID)

    assert answer(response) == {"revoked": True}
    assert OAuth2Grant.objects.get().revoked


def test_a_missing_token_is_named(flow):
    response = flow.post("/sandbox/2/oauth2/revoke", {})

    assert response.status_code == 400
    assert answer(response) == {
        "error": "invalid_request",
        "error_description": "Missing required parameter [token].",
    }
