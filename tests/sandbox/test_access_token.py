from __future__ import annotations

import json

from botauth_sandbox.models import AccessToken, RequestToken, SandboxUser
from tests.sandbox.signing import signed_post

COULD_NOT_AUTHENTICATE = {"errors": [{"code": 32, "message": "Could not authenticate you."}]}


def exchange(flow, request, verifier):
    return signed_post(
        flow.client,
        "oauth/access_token",
        token=request["oauth_token"],
        token_secret=request["oauth_token_secret"],
        verifier=verifier,
        **flow.consumer,
    )


def test_access_token_names_the_user_and_is_prefixed_with_their_id(flow, app):
    request = flow.request_token()
    verifier = flow.approve(request["oauth_token"], username="newbot")["oauth_verifier"]

    body = flow.access_token(request, verifier)

    user = SandboxUser.objects.get(username="newbot")
    assert list(body) == ["oauth_token", "oauth_token_secret", "user_id", "screen_name"]
    assert (body["user_id"], body["screen_name"]) == (user.user_id, "newbot")
    assert body["oauth_token"].startswith(f"{user.user_id}-")
    stored = AccessToken.objects.get(token=body["oauth_token"])
    assert (stored.secret, stored.app, stored.user, stored.revoked) == (
        body["oauth_token_secret"],
        app,
        user,
        False,
    )
    assert RequestToken.objects.get(token=request["oauth_token"]).used


def test_request_token_is_single_use(flow):
    request = flow.request_token()
    verifier = flow.approve(request["oauth_token"])["oauth_verifier"]
    flow.access_token(request, verifier)

    response = exchange(flow, request, verifier)

    assert response.status_code == 401
    assert json.loads(response.content) == COULD_NOT_AUTHENTICATE
    assert AccessToken.objects.count() == 1


def test_unknown_request_token_is_refused(flow):
    request = {"oauth_token": "unknownrequesttoken1234", "oauth_token_secret": "whatever"}

    response = exchange(flow, request, "someverifiersomeverifier")

    assert response.status_code == 401
    assert json.loads(response.content) == COULD_NOT_AUTHENTICATE
    assert not AccessToken.objects.exists()


def test_wrong_verifier_is_refused(flow):
    request = flow.request_token()
    flow.approve(request["oauth_token"])

    response = exchange(flow, request, "wrongverifierwrongverifier")

    assert response.status_code == 401
    assert json.loads(response.content) == COULD_NOT_AUTHENTICATE
    assert not AccessToken.objects.exists()
    assert not RequestToken.objects.get(token=request["oauth_token"]).used


def test_unapproved_request_token_is_refused(flow):
    request = flow.request_token()

    response = exchange(flow, request, "guessedverifierguessedverifier")

    assert response.status_code == 401
    assert not AccessToken.objects.exists()


def test_cancelled_request_token_is_refused(flow):
    request = flow.request_token()
    flow.client.post(
        f"/sandbox/oauth/authorize?oauth_token={request['oauth_token']}", {"action": "cancel"}
    )

    response = exchange(flow, request, "guessedverifierguessedverifier")

    assert response.status_code == 401
    assert not AccessToken.objects.exists()


def test_wrong_request_token_secret_is_refused(flow):
    request = flow.request_token()
    verifier = flow.approve(request["oauth_token"])["oauth_verifier"]

    response = exchange(flow, {**request, "oauth_token_secret": "not-the-secret"}, verifier)

    assert response.status_code == 401
    assert not AccessToken.objects.exists()


def test_same_user_reauthorizing_gets_the_same_pair(flow):
    first = flow.link("botfriend")

    second = flow.link("botfriend")

    assert second == first
    assert AccessToken.objects.count() == 1


def test_reauthorizing_after_revocation_gets_a_new_pair(flow):
    first = flow.link("botfriend")
    AccessToken.objects.update(revoked=True)

    second = flow.link("botfriend")

    assert second["oauth_token"] != first["oauth_token"]
    assert second["user_id"] == first["user_id"]
    assert AccessToken.objects.filter(revoked=False).get().token == second["oauth_token"]


def test_different_users_get_different_pairs(flow):
    first = flow.link("botfriend")

    second = flow.link("otherbot")

    assert second["oauth_token"] != first["oauth_token"]
    assert AccessToken.objects.count() == 2
