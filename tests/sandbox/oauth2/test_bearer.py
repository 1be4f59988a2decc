from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from botauth_sandbox import calls
from botauth_sandbox.calls import Refusal, Refused
from botauth_sandbox.models import OAuth2Token, RateLimitWindow, SandboxUser
from botauth_sandbox.oauth2 import scopes
from tests import spec
from tests.helpers import me
from tests.sandbox.signing import signed_get

UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}
FORBIDDEN = {"title": "Forbidden", "detail": "Forbidden", "type": "about:blank", "status": 403}


def test_users_me_with_a_bearer_user_token(flow):
    token = flow.token()
    user = SandboxUser.objects.get(username="botfriend")

    response = me(flow.client, token["access_token"])

    body = json.loads(response.content)
    assert response.status_code == 200
    spec.validate("GetUsersMeResponse", body)
    assert body == {"data": {"id": user.user_id, "name": "botfriend", "username": "botfriend"}}
    assert response["x-rate-limit-limit"] == "75"
    assert response["x-rate-limit-remaining"] == "74"
    assert int(response["x-rate-limit-reset"]) > time.time()
    assert not response.has_header("x-access-level")
    window = RateLimitWindow.objects.get()
    assert (window.user, window.resource, window.used) == (user, "2/users/me", 1)


def test_oauth1_and_oauth2_calls_of_one_app_and_user_share_the_window(flow, app):
    from botauth_sandbox.models import AccessToken

    token = flow.token()
    user = SandboxUser.objects.get(username="botfriend")
    pair = AccessToken.objects.create(
        token=f"{user.user_id}-accesstokenaccesstoken", secret="s" * 30, app=app, user=user
    )
    consumer = {
        "key": app.key,
        "secret": app.secret,
        "token": pair.token,
        "token_secret": pair.secret,
    }

    signed_get(flow.client, "2/users/me", **consumer)
    response = me(flow.client, token["access_token"])

    assert response["x-rate-limit-remaining"] == "73"
    assert RateLimitWindow.objects.get().used == 2


def test_a_token_without_tweet_read_gets_x_403(flow):
    token = flow.token(scope="users.read offline.access")

    response = me(flow.client, token["access_token"])

    body = json.loads(response.content)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert body == FORBIDDEN
    spec.validate_problem(body)
    assert not RateLimitWindow.objects.exists()


def test_an_expired_token_gets_401(flow):
    token = flow.token()
    OAuth2Token.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = me(flow.client, token["access_token"])

    body = json.loads(response.content)
    assert response.status_code == 401
    assert body == UNAUTHORIZED
    spec.validate_problem(body)
    assert not RateLimitWindow.objects.exists()


def test_a_token_past_a_short_ttl_gets_401(flow, settings):
    settings.SANDBOX_OAUTH2_ACCESS_TOKEN_TTL = 1
    token = flow.token()
    assert me(flow.client, token["access_token"]).status_code == 200

    time.sleep(1.1)

    assert me(flow.client, token["access_token"]).status_code == 401


def test_a_revoked_token_gets_401(flow):
    token = flow.token()
    OAuth2Token.objects.update(revoked=True)

    response = me(flow.client, token["access_token"])

    assert response.status_code == 401
    assert json.loads(response.content) == UNAUTHORIZED


def test_a_bearer_the_sandbox_never_issued_is_an_app_only_token_to_it(flow):
    # The sandbox issues no app-only tokens: any other Bearer is one, and X refuses those on
    # user-context endpoints with 403 unsupported-authentication.
    flow.token()

    response = me(flow.client, "bm90LWlzc3VlZC1ieS10aGUtc2FuZGJveA")

    body = json.loads(response.content)
    assert response.status_code == 403
    assert body["type"].endswith("/2/problems/unsupported-authentication")
    spec.validate_problem(body)
    assert not RateLimitWindow.objects.exists()


def test_a_suspended_users_token_gets_403_suspended(flow):
    token = flow.token()
    SandboxUser.objects.update(suspended=True)

    response = me(flow.client, token["access_token"])

    body = json.loads(response.content)
    assert response.status_code == 403
    assert "suspended" in body["detail"]
    spec.validate_problem(body)


def test_a_rate_limited_users_token_gets_429(flow):
    token = flow.token()
    SandboxUser.objects.update(rate_limited=True)

    response = me(flow.client, token["access_token"])

    assert response.status_code == 429
    assert response["x-rate-limit-remaining"] == "0"


def test_v1_1_takes_no_oauth2_user_token(flow):
    token = flow.token()

    response = flow.client.get(
        "/sandbox/1.1/account/verify_credentials.json",
        HTTP_AUTHORIZATION=f"Bearer {token['access_token']}",
    )

    body = json.loads(response.content)
    assert response.status_code == 403
    spec.validate_v1_errors(body)
    assert body["errors"][0]["code"] == 220
    assert not RateLimitWindow.objects.exists()


def test_invalidate_token_of_oauth1_does_not_touch_oauth2_tokens(flow):
    token = flow.token()

    response = flow.client.post(
        "/sandbox/oauth/invalidate_token", HTTP_AUTHORIZATION=f"Bearer {token['access_token']}"
    )

    assert response.status_code == 401
    assert not OAuth2Token.objects.get().revoked


@pytest.mark.parametrize(
    ("method", "path", "needed"),
    [
        ("post", "/sandbox/2/tweets", "tweet.write"),
        ("delete", "/sandbox/2/tweets/1456012973835788293", "tweet.write"),
        ("post", "/sandbox/2/media/upload", "media.write"),
        ("post", "/sandbox/2/media/upload/initialize", "media.write"),
        ("post", "/sandbox/2/media/upload/1880028106020515840/append", "media.write"),
        ("post", "/sandbox/2/media/upload/1880028106020515840/finalize", "media.write"),
        ("get", "/sandbox/2/media/upload", "media.write"),
        ("get", "/sandbox/2/users/me", "tweet.read"),
    ],
)
def test_admit_refuses_a_token_lacking_the_endpoints_scope(flow, method, path, needed):
    granted = set(scopes.READ | scopes.WRITE | scopes.MEDIA) - {needed}
    lacking = flow.token(scope=" ".join(sorted(granted)), username="lacking")["access_token"]
    enough = flow.token(scope=" ".join(sorted(granted | {needed})), username="enough")[
        "access_token"
    ]
    factory = RequestFactory()

    def request(token: str):
        return getattr(factory, method)(path, HTTP_AUTHORIZATION=f"Bearer {token}")

    with pytest.raises(Refused) as refused:
        calls.admit(request(lacking), resource=path)
    call = calls.admit(request(enough), resource=path)

    assert refused.value.reason is Refusal.INSUFFICIENT_SCOPE
    assert call.token.user.username == "enough"
    assert call.scopes == frozenset(granted | {needed})
    assert list(RateLimitWindow.objects.values_list("user__username", "used")) == [("enough", 1)]


def test_explicit_scopes_override_the_table(flow):
    token = flow.token(scope="tweet.read users.read")["access_token"]
    request = RequestFactory().get("/sandbox/2/users/me", HTTP_AUTHORIZATION=f"Bearer {token}")

    with pytest.raises(Refused) as refused:
        calls.admit(request, resource="2/users/me", scopes=frozenset({"dm.read"}))

    assert refused.value.reason is Refusal.INSUFFICIENT_SCOPE


def test_scopes_required_follow_x_spec():
    assert scopes.required(method="GET", path="/sandbox/2/users/me") == frozenset(
        {"tweet.read", "users.read"}
    )
    assert scopes.required(method="POST", path="/sandbox/2/tweets") == frozenset(
        {"tweet.read", "tweet.write", "users.read"}
    )
    assert scopes.required(method="POST", path="/sandbox/2/media/upload") == frozenset(
        {"media.write"}
    )
    assert scopes.required(method="PUT", path="/sandbox/2/tweets") is None
    assert (
        scopes.required(method="GET", path="/sandbox/1.1/account/verify_credentials.json") is None
    )
    assert scopes.required(method="GET", path="/sandbox/2/users/me/extra") is None


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_v2_api_route_of_the_sandbox_has_its_scopes():
    import re

    v2 = [
        route
        for route in _routes(get_resolver().url_patterns)
        if route.startswith("sandbox/2/") and not route.startswith("sandbox/2/oauth2/")
    ]
    assert "sandbox/2/users/me" in v2
    for route in v2:
        path = "/" + re.sub(r"<[^>]+>", "1234567890", route)
        assert any(
            scopes.required(method=method, path=path) is not None
            for method in ("GET", "POST", "DELETE", "PUT")
        ), f"{route}: add X's OAuth 2.0 scopes for it to botauth_sandbox/oauth2/scopes.py"
