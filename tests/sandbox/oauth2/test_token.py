from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from botauth_sandbox.models import OAuth2Client, OAuth2Grant, OAuth2Token, SandboxApp
from tests.helpers import (
    CLIENT_ID,
    INVALID_CODE,
    MISSING_AUTHORIZATION,
    POSTING,
    REDIRECT,
    answer,
    basic,
    sha256,
)


def test_code_exchange_answers_x_token_response(flow):
    code = flow.approve()["code"]
    before = timezone.now()

    response = flow.exchange(code)

    body = answer(response)
    assert response.status_code == 200
    assert list(body) == ["token_type", "expires_in", "access_token", "scope", "refresh_token"]
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("bearer", 7200, POSTING)
    assert body["access_token"] != body["refresh_token"]
    assert response["Cache-Control"] == "no-store"
    token = OAuth2Token.objects.get()
    assert token.access_digest == sha256(body["access_token"])
    assert token.refresh_digest == sha256(body["refresh_token"])
    assert (token.access_prefix, token.refresh_prefix) == (
        body["access_token"][:8],
        body["refresh_token"][:8],
    )
    assert before + timedelta(seconds=7200) <= token.expires_at
    assert token.expires_at <= timezone.now() + timedelta(seconds=7200)
    assert token.refresh_expires_at is not None
    assert token.refresh_expires_at > timezone.now() + timedelta(days=179)
    assert (token.scopes, token.refreshed, token.revoked) == (POSTING, False, False)
    assert (token.user, token.app) == (token.grant.user, token.grant.app)
    assert OAuth2Grant.objects.get().code_used


def test_no_token_value_is_stored(flow):
    body = flow.token()

    stored = str(list(OAuth2Token.objects.values_list())) + str(
        list(OAuth2Grant.objects.values_list())
    )
    assert body["access_token"] not in stored
    assert body["refresh_token"] not in stored


def test_no_refresh_token_without_offline_access(flow):
    code = flow.approve(scope="tweet.read users.read")["code"]

    body = answer(flow.exchange(code))

    assert list(body) == ["token_type", "expires_in", "access_token", "scope"]
    assert body["scope"] == "tweet.read users.read"
    token = OAuth2Token.objects.get()
    assert (token.refresh_digest, token.refresh_prefix, token.refresh_expires_at) == (
        None,
        "",
        None,
    )


def test_access_token_lifetime_is_a_setting(flow, settings):
    settings.SANDBOX_OAUTH2_ACCESS_TOKEN_TTL = 5
    code = flow.approve()["code"]

    body = answer(flow.exchange(code))

    assert body["expires_in"] == 5
    token = OAuth2Token.objects.get()
    assert token.expires_at <= timezone.now() + timedelta(seconds=5)
    assert token.expires_at > timezone.now()


def test_plain_challenge_is_verified_too(flow):
    code = flow.approve(code_challenge=flow.verifier, code_challenge_method="plain")["code"]

    response = flow.exchange(code)

    assert response.status_code == 200
    assert OAuth2Token.objects.count() == 1


def test_tweepy_style_client_id_in_the_body_beside_basic_is_accepted(flow):
    code = flow.approve()["code"]

    response = flow.exchange(code, client_id=CLIENT_ID)

    assert response.status_code == 200
    assert OAuth2Token.objects.count() == 1


def _refused_and_unchanged(response, status: int, body: dict[str, str]) -> None:
    assert response.status_code == status
    assert answer(response) == body
    assert not OAuth2Token.objects.exists()
    assert not OAuth2Grant.objects.filter(code_used=True).exists()


def test_wrong_verifier_is_refused_and_the_code_still_works(flow):
    code = flow.approve()["code"]

    refused = flow.exchange(code, verifier="a-wrong-verifier-" + "x" * 40)

    _refused_and_unchanged(refused, 400, INVALID_CODE)
    assert flow.exchange(code).status_code == 200


def test_a_used_code_is_refused(flow):
    code = flow.approve()["code"]
    flow.exchange(code)

    response = flow.exchange(code)

    assert response.status_code == 400
    assert answer(response) == INVALID_CODE
    assert OAuth2Token.objects.count() == 1
    assert not OAuth2Token.objects.filter(revoked=True).exists()


def test_a_code_older_than_30_seconds_is_refused(flow):
    code = flow.approve()["code"]
    OAuth2Grant.objects.update(created_at=timezone.now() - timedelta(seconds=31))

    _refused_and_unchanged(flow.exchange(code), 400, INVALID_CODE)


def test_a_code_29_seconds_old_is_still_exchanged(flow):
    code = flow.approve()["code"]
    OAuth2Grant.objects.update(created_at=timezone.now() - timedelta(seconds=29))

    assert flow.exchange(code).status_code == 200


def test_an_unknown_code_is_refused(flow):
    flow.approve()

    _refused_and_unchanged(flow.exchange("bm90LWEtY29kZQ"), 400, INVALID_CODE)


def test_a_redirect_uri_other_than_the_authorized_one_is_refused(flow, app):
    app.callback_urls = f"{REDIRECT}\nhttps://bot.example.com/callback"
    app.save()
    code = flow.approve()["code"]

    refused = flow.exchange(code, redirect_uri="https://bot.example.com/callback")

    _refused_and_unchanged(refused, 400, INVALID_CODE)


def test_missing_basic_auth_of_a_confidential_client_is_refused(flow):
    code = flow.approve()["code"]

    refused = flow.exchange(code, authorization="", client_id=CLIENT_ID)

    _refused_and_unchanged(refused, 401, MISSING_AUTHORIZATION)


def test_a_wrong_client_secret_is_refused(flow):
    code = flow.approve()["code"]

    refused = flow.exchange(code, authorization=basic(secret="wrong-secret"))

    _refused_and_unchanged(refused, 401, MISSING_AUTHORIZATION)


def test_an_unknown_client_is_refused(flow):
    code = flow.approve()["code"]

    refused = flow.exchange(code, authorization=basic("unknown-client", "secret"))

    _refused_and_unchanged(
        refused,
        401,
        {"error": "invalid_client", "error_description": "Client authentication failed."},
    )


def test_a_body_client_id_other_than_the_basic_one_is_refused(flow):
    code = flow.approve()["code"]

    refused = flow.exchange(code, client_id="another-client-id")

    _refused_and_unchanged(
        refused,
        401,
        {"error": "invalid_client", "error_description": "Client authentication failed."},
    )


def test_no_client_at_all_is_refused(flow):
    code = flow.approve()["code"]

    refused = flow.exchange(code, authorization="")

    _refused_and_unchanged(
        refused,
        400,
        {
            "error": "invalid_request",
            "error_description": "Missing required parameter [client_id].",
        },
    )


def test_a_code_issued_to_another_app_is_refused(flow):
    code = flow.approve()["code"]
    other = SandboxApp.objects.create(name="Other", key="other-consumer-key", secret="s" * 20)
    OAuth2Client.objects.create(app=other, client_id="other-client", client_secret="other-secret")

    refused = flow.exchange(code, authorization=basic("other-client", "other-secret"))

    _refused_and_unchanged(refused, 400, INVALID_CODE)


def test_a_public_client_sends_its_client_id_in_the_body(flow, oauth2_client):
    OAuth2Client.objects.filter(pk=oauth2_client.pk).update(public=True, client_secret="")
    code = flow.approve()["code"]

    response = flow.exchange(code, authorization="", client_id=CLIENT_ID)

    assert response.status_code == 200
    assert "refresh_token" in answer(response)
    assert OAuth2Token.objects.count() == 1


def test_a_public_client_cannot_use_basic_auth(flow, oauth2_client):
    OAuth2Client.objects.filter(pk=oauth2_client.pk).update(public=True, client_secret="")
    code = flow.approve()["code"]

    refused = flow.exchange(code, authorization=basic(secret=""))

    _refused_and_unchanged(refused, 401, MISSING_AUTHORIZATION)


@pytest.mark.parametrize("name", ["code", "redirect_uri", "code_verifier"])
def test_a_missing_parameter_is_named(flow, name):
    code = flow.approve()["code"]
    values = {"code": code, "redirect_uri": REDIRECT, "verifier": flow.verifier}
    values[{"code_verifier": "verifier"}.get(name, name)] = ""

    refused = flow.exchange(**values)

    _refused_and_unchanged(
        refused,
        400,
        {"error": "invalid_request", "error_description": f"Missing required parameter [{name}]."},
    )


def test_a_missing_grant_type_is_named(flow):
    response = flow.post("/sandbox/2/oauth2/token", {"code": "abc"})

    assert response.status_code == 400
    assert answer(response) == {
        "error": "invalid_request",
        "error_description": "Missing required parameter [grant_type].",
    }


def test_an_unsupported_grant_type_is_refused(flow):
    response = flow.post("/sandbox/2/oauth2/token", {"grant_type": "client_credentials"})

    assert response.status_code == 400
    assert answer(response) == {
        "error": "unsupported_grant_type",
        "error_description": "Value passed for the grant_type was invalid.",
    }
    assert not OAuth2Token.objects.exists()


def test_the_token_endpoint_takes_only_post(flow):
    assert flow.client.get("/sandbox/2/oauth2/token").status_code == 405
