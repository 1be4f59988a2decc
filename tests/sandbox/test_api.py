from __future__ import annotations

import json
import time
from datetime import timedelta

from django.utils import timezone

from botauth_sandbox.models import RateLimitWindow
from tests.sandbox.signing import signed_get

UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
TOO_MANY = {
    "title": "Too Many Requests",
    "detail": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
}


def test_users_me_returns_the_user_and_x_headers(client, as_user, user):
    response = signed_get(client, "2/users/me", **as_user)

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "data": {"id": user.user_id, "name": "Bot Friend", "username": "botfriend"}
    }
    assert response["x-access-level"] == "read-write"
    assert response["x-rate-limit-limit"] == "75"
    assert response["x-rate-limit-remaining"] == "74"
    assert int(response["x-rate-limit-reset"]) > time.time()
    assert RateLimitWindow.objects.get(user=user, resource="2/users/me").used == 1


def test_users_me_reports_the_users_access_level(client, as_user, user):
    user.access_level = "read-write-directmessages"
    user.save()

    response = signed_get(client, "2/users/me", **as_user)

    assert response["x-access-level"] == "read-write-directmessages"


def test_users_me_with_a_flow_issued_pair(flow):
    pair = flow.link("newbot")

    response = signed_get(
        flow.client,
        "2/users/me",
        token=pair["oauth_token"],
        token_secret=pair["oauth_token_secret"],
        **flow.consumer,
    )

    assert response.status_code == 200
    assert json.loads(response.content)["data"]["username"] == "newbot"


def test_users_me_with_bad_signature_is_401(client, as_user, user):
    response = signed_get(client, "2/users/me", **{**as_user, "token_secret": "wrong"})

    assert response.status_code == 401
    assert json.loads(response.content) == UNAUTHORIZED
    assert not RateLimitWindow.objects.exists()


def test_users_me_with_unknown_token_is_401(client, as_user, user):
    response = signed_get(client, "2/users/me", **{**as_user, "token": f"{user.user_id}-nope"})

    assert response.status_code == 401
    assert json.loads(response.content) == UNAUTHORIZED


def test_users_me_with_revoked_token_is_401(client, as_user, pair):
    pair.revoked = True
    pair.save()

    response = signed_get(client, "2/users/me", **as_user)

    assert response.status_code == 401
    assert json.loads(response.content) == UNAUTHORIZED


def test_users_me_of_suspended_user_is_403(client, as_user, user):
    user.suspended = True
    user.save()

    response = signed_get(client, "2/users/me", **as_user)

    body = json.loads(response.content)
    assert response.status_code == 403
    assert (body["title"], body["status"], body["type"]) == ("Forbidden", 403, "about:blank")
    assert "suspended" in body["detail"]
    assert not RateLimitWindow.objects.exists()


def test_rate_limited_user_gets_429_with_headers(client, as_user, user):
    user.rate_limited = True
    user.save()

    response = signed_get(client, "2/users/me", **as_user)

    assert response.status_code == 429
    assert json.loads(response.content) == TOO_MANY
    assert response["x-rate-limit-limit"] == "75"
    assert response["x-rate-limit-remaining"] == "0"
    assert int(response["x-rate-limit-reset"]) > time.time()


def test_76th_request_in_a_window_gets_429(client, as_user, user, app):
    RateLimitWindow.objects.create(
        app=app, user=user, resource="2/users/me", resets_at=_in(600), used=74
    )
    last_allowed = signed_get(client, "2/users/me", **as_user)

    response = signed_get(client, "2/users/me", **as_user)

    assert last_allowed.status_code == 200
    assert last_allowed["x-rate-limit-remaining"] == "0"
    assert response.status_code == 429
    assert response["x-rate-limit-remaining"] == "0"
    assert RateLimitWindow.objects.get().used == 75


def test_window_resets_after_15_minutes(client, as_user, user, app):
    RateLimitWindow.objects.create(
        app=app, user=user, resource="2/users/me", resets_at=_in(-1), used=75
    )

    response = signed_get(client, "2/users/me", **as_user)

    assert response.status_code == 200
    assert response["x-rate-limit-remaining"] == "74"
    assert RateLimitWindow.objects.get().used == 1


def test_window_is_not_enforced_when_disabled(client, as_user, user, app, settings):
    settings.SANDBOX_ENFORCE_RATE_LIMITS = False
    RateLimitWindow.objects.create(
        app=app, user=user, resource="2/users/me", resets_at=_in(600), used=75
    )

    response = signed_get(client, "2/users/me", **as_user)

    assert response.status_code == 200
    assert RateLimitWindow.objects.get().used == 75


def test_api_latency_setting_delays_the_answer(client, as_user, settings):
    settings.SANDBOX_API_LATENCY_MS = 150
    started = time.monotonic()

    response = signed_get(client, "2/users/me", **as_user)

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.15


def test_verify_credentials_returns_v1_user(client, as_user, user):
    response = signed_get(client, "1.1/account/verify_credentials.json", **as_user)

    body = json.loads(response.content)
    assert response.status_code == 200
    assert (body["id"], body["id_str"], body["screen_name"], body["name"]) == (
        int(user.user_id),
        user.user_id,
        "botfriend",
        "Bot Friend",
    )
    assert response["x-rate-limit-remaining"] == "74"
    assert RateLimitWindow.objects.get().resource == "1.1/account/verify_credentials"


def test_verify_credentials_with_revoked_token_is_code_89(client, as_user, pair):
    pair.revoked = True
    pair.save()

    response = signed_get(client, "1.1/account/verify_credentials.json", **as_user)

    assert response.status_code == 401
    assert json.loads(response.content) == {
        "errors": [{"code": 89, "message": "Invalid or expired token."}]
    }


def test_verify_credentials_of_suspended_user_is_code_64(client, as_user, user):
    user.suspended = True
    user.save()

    response = signed_get(client, "1.1/account/verify_credentials.json", **as_user)

    assert response.status_code == 403
    assert json.loads(response.content) == {
        "errors": [
            {
                "code": 64,
                "message": "Your account is suspended and is not permitted to access this feature.",
            }
        ]
    }


def test_verify_credentials_of_rate_limited_user_is_code_88(client, as_user, user):
    user.rate_limited = True
    user.save()

    response = signed_get(client, "1.1/account/verify_credentials.json", **as_user)

    assert response.status_code == 429
    assert json.loads(response.content) == {
        "errors": [{"code": 88, "message": "Rate limit exceeded"}]
    }
    assert response["x-rate-limit-remaining"] == "0"


def test_verify_credentials_with_bad_signature_is_code_32(client, as_user):
    response = signed_get(
        client, "1.1/account/verify_credentials.json", **{**as_user, "secret": "wrong"}
    )

    assert response.status_code == 401
    assert json.loads(response.content)["errors"][0]["code"] == 32


def test_reused_nonce_on_api_call_is_401(client, as_user):
    replay = {"nonce": "98765432109876543210", "timestamp": str(int(time.time()))}
    first = signed_get(client, "2/users/me", **replay, **as_user)

    second = signed_get(client, "2/users/me", **replay, **as_user)

    assert first.status_code == 200
    assert second.status_code == 401
    assert RateLimitWindow.objects.get().used == 1


def _in(seconds: int):
    return timezone.now() + timedelta(seconds=seconds)


def test_users_me_with_malformed_authorization_is_401(client, as_user):
    response = client.get("/sandbox/2/users/me", HTTP_AUTHORIZATION="OAuth garbage")

    assert response.status_code == 401
    assert json.loads(response.content) == UNAUTHORIZED
    assert not RateLimitWindow.objects.exists()


def test_api_calls_forget_nonces_too_old_to_replay(client, as_user, user, monkeypatch):
    from botauth_sandbox import validator
    from botauth_sandbox.models import Nonce

    stale = Nonce.objects.create(client_key="k", nonce="old-nonce-0001", timestamp=1)
    monkeypatch.setattr(validator, "_last_forgotten", 0.0)

    response = signed_get(client, "2/users/me", **as_user)

    assert response.status_code == 200
    assert not Nonce.objects.filter(pk=stale.pk).exists()
    assert Nonce.objects.count() == 1
