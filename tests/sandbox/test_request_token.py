from __future__ import annotations

import json
import time

from botauth_sandbox.models import Nonce, RequestToken
from tests import spec
from tests.sandbox.signing import CALLBACK, form, signed_post

COULD_NOT_AUTHENTICATE = {"errors": [{"code": 32, "message": "Could not authenticate you."}]}


def test_request_token_is_issued_with_callback_confirmed(client, app, consumer):
    response = signed_post(client, "oauth/request_token", callback=CALLBACK, **consumer)

    body = form(response.content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-www-form-urlencoded"
    assert body["oauth_callback_confirmed"] == "true"
    stored = RequestToken.objects.get(token=body["oauth_token"])
    assert (stored.secret, stored.app, stored.callback) == (
        body["oauth_token_secret"],
        app,
        CALLBACK,
    )
    assert not stored.used


def test_request_token_accepts_oob(client, app, consumer):
    response = signed_post(client, "oauth/request_token", callback="oob", **consumer)

    assert response.status_code == 200
    assert RequestToken.objects.get().callback == "oob"


def test_wrong_consumer_secret_is_refused(client, app):
    response = signed_post(
        client, "oauth/request_token", callback=CALLBACK, key=app.key, secret="not-the-secret"
    )

    assert response.status_code == 401
    assert json.loads(response.content) == COULD_NOT_AUTHENTICATE
    assert not RequestToken.objects.exists()


def test_unknown_consumer_key_is_refused(client, app):
    response = signed_post(
        client, "oauth/request_token", callback=CALLBACK, key="unknown-consumer-key", secret="x"
    )

    assert response.status_code == 401
    assert json.loads(response.content) == COULD_NOT_AUTHENTICATE
    assert not RequestToken.objects.exists()


def test_reused_nonce_is_refused(client, app, consumer):
    replay = {"nonce": "12345678901234567890", "timestamp": str(int(time.time()))}
    first = signed_post(client, "oauth/request_token", callback=CALLBACK, **replay, **consumer)

    second = signed_post(client, "oauth/request_token", callback=CALLBACK, **replay, **consumer)

    assert first.status_code == 200
    assert second.status_code == 401
    assert json.loads(second.content) == COULD_NOT_AUTHENTICATE
    assert RequestToken.objects.count() == 1
    assert Nonce.objects.filter(nonce=replay["nonce"]).count() == 1


def test_stale_timestamp_is_refused_with_code_135(client, app, consumer):
    stale = str(int(time.time()) - 601)

    response = signed_post(
        client, "oauth/request_token", callback=CALLBACK, timestamp=stale, **consumer
    )

    assert response.status_code == 401
    assert json.loads(response.content) == {
        "errors": [{"code": 135, "message": "Timestamp out of bounds."}]
    }
    spec.validate_v1_errors(json.loads(response.content))
    assert not RequestToken.objects.exists()
    assert not Nonce.objects.exists()


def test_unapproved_callback_is_refused_with_code_415(client, app, consumer):
    app.callback_urls = "https://bots.example.com/botauth/callback/"
    app.save()

    response = signed_post(
        client,
        "oauth/request_token",
        callback="https://bots.example.com/botauth/callback",  # no trailing slash: not a match
        **consumer,
    )

    assert response.status_code == 403
    assert json.loads(response.content)["errors"][0]["code"] == 415
    assert not RequestToken.objects.exists()


def test_approved_callback_matching_exactly_is_accepted(client, app, consumer):
    app.callback_urls = "https://elsewhere.example.com/cb\nhttps://bots.example.com/cb/"
    app.save()

    response = signed_post(
        client, "oauth/request_token", callback="https://bots.example.com/cb/", **consumer
    )

    assert response.status_code == 200
    assert RequestToken.objects.get().callback == "https://bots.example.com/cb/"


def test_callback_that_is_not_a_web_url_is_refused(client, app, consumer):
    response = signed_post(
        client, "oauth/request_token", callback="javascript:alert(1)", **consumer
    )

    assert response.status_code == 403
    assert not RequestToken.objects.exists()


def test_get_is_not_allowed(client, app):
    response = client.get("/sandbox/oauth/request_token")

    assert response.status_code == 405
    assert not RequestToken.objects.exists()


def test_malformed_authorization_header_is_401_not_500(client, app):
    response = client.post("/sandbox/oauth/request_token", HTTP_AUTHORIZATION="OAuth garbage")

    assert response.status_code == 401
    assert json.loads(response.content) == COULD_NOT_AUTHENTICATE
    assert not RequestToken.objects.exists()


def test_unsigned_request_is_refused_with_code_215(client, app):
    response = client.post("/sandbox/oauth/request_token")

    assert response.status_code == 400
    assert json.loads(response.content) == {
        "errors": [{"code": 215, "message": "Bad Authentication data."}]
    }
    assert response["Content-Type"] == "application/json;charset=utf-8"
    assert not RequestToken.objects.exists()


def test_unknown_consumer_records_no_nonce(client, app):
    response = signed_post(
        client, "oauth/request_token", callback=CALLBACK, key="made-up-consumer", secret="x" * 20
    )

    assert response.status_code == 401
    assert not Nonce.objects.exists()


def test_get_is_not_allowed_with_a_json_problem(client, app):
    response = client.get("/sandbox/oauth/request_token")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    spec.validate_problem(json.loads(response.content))
