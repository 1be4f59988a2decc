from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from botauth_sandbox.models import RequestToken, SandboxUser
from tests.sandbox.signing import CALLBACK, query


def test_consent_page_is_labelled_sandbox_and_names_the_app(flow):
    token = flow.request_token()["oauth_token"]

    response = flow.client.get(f"/sandbox/oauth/authorize?oauth_token={token}")

    html = response.content.decode()
    assert response.status_code == 200
    assert "SANDBOX" in html
    assert "Test bot app" in html
    assert 'name="username"' in html
    assert 'value="authorize">Authorize app</button>' in html
    assert 'value="cancel">Cancel</button>' in html
    assert RequestToken.objects.get(token=token).verifier == ""


def test_authenticate_prefills_screen_name(flow):
    token = flow.request_token()["oauth_token"]

    response = flow.client.get(
        f"/sandbox/oauth/authenticate?oauth_token={token}&screen_name=mybot&force_login=true"
    )

    assert response.status_code == 200
    assert 'value="mybot"' in response.content.decode()


def test_approval_redirects_to_callback_with_token_and_verifier(flow):
    token = flow.request_token()["oauth_token"]

    response = flow.client.post(
        f"/sandbox/oauth/authorize?oauth_token={token}",
        {"username": "newbot", "action": "authorize"},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(CALLBACK + "?")
    params = query(response["Location"])
    stored = RequestToken.objects.get(token=token)
    assert params == {"oauth_token": token, "oauth_verifier": stored.verifier}
    assert stored.user == SandboxUser.objects.get(username="newbot")
    assert stored.user.user_id.isdigit()


def test_approval_signs_in_an_existing_user_case_insensitively(flow, user):
    token = flow.request_token()["oauth_token"]

    flow.approve(token, username="@BotFriend")

    assert RequestToken.objects.get(token=token).user == user
    assert SandboxUser.objects.count() == 1


def test_cancel_redirects_with_denied_and_uses_up_the_token(flow):
    token = flow.request_token()["oauth_token"]

    response = flow.client.post(
        f"/sandbox/oauth/authorize?oauth_token={token}", {"action": "cancel"}
    )

    assert response.status_code == 302
    assert query(response["Location"]) == {"denied": token}
    stored = RequestToken.objects.get(token=token)
    assert stored.used
    assert stored.verifier == ""


def test_oob_approval_shows_the_pin(flow):
    token = flow.request_token(callback="oob")["oauth_token"]

    response = flow.client.post(
        f"/sandbox/oauth/authorize?oauth_token={token}",
        {"username": "pinbot", "action": "authorize"},
    )

    stored = RequestToken.objects.get(token=token)
    assert response.status_code == 200
    assert f'<p id="pin">{stored.verifier}</p>' in response.content.decode()
    assert len(stored.verifier) == 7
    assert stored.verifier.isdigit()


def test_oob_cancel_shows_cancelled(flow):
    token = flow.request_token(callback="oob")["oauth_token"]

    response = flow.client.post(
        f"/sandbox/oauth/authorize?oauth_token={token}", {"action": "cancel"}
    )

    assert response.status_code == 200
    assert "cancelled" in response.content.decode()
    assert RequestToken.objects.get(token=token).used


def test_unknown_request_token_shows_a_400_page(flow):
    response = flow.client.get("/sandbox/oauth/authorize?oauth_token=nosuchtokennosuchtoken")

    assert response.status_code == 400
    assert "SANDBOX" in response.content.decode()
    assert not SandboxUser.objects.exists()


def test_missing_request_token_shows_a_400_page(flow):
    response = flow.client.get("/sandbox/oauth/authorize")

    assert response.status_code == 400
    assert not SandboxUser.objects.exists()


def test_already_approved_token_cannot_be_approved_again(flow):
    token = flow.request_token()["oauth_token"]
    first = flow.approve(token)

    response = flow.client.post(
        f"/sandbox/oauth/authorize?oauth_token={token}",
        {"username": "someoneelse", "action": "authorize"},
    )

    assert response.status_code == 400
    assert RequestToken.objects.get(token=token).verifier == first["oauth_verifier"]
    assert not SandboxUser.objects.filter(username="someoneelse").exists()


def test_expired_request_token_shows_a_400_page(flow):
    token = flow.request_token()["oauth_token"]
    RequestToken.objects.filter(token=token).update(
        created_at=timezone.now() - timedelta(minutes=16)
    )

    response = flow.client.get(f"/sandbox/oauth/authorize?oauth_token={token}")

    assert response.status_code == 400
    assert RequestToken.objects.get(token=token).verifier == ""


def test_suspended_user_cannot_authorize(flow, user):
    user.suspended = True
    user.save()
    token = flow.request_token()["oauth_token"]

    response = flow.client.post(
        f"/sandbox/oauth/authorize?oauth_token={token}",
        {"username": user.username, "action": "authorize"},
    )

    assert response.status_code == 403
    assert "suspended" in response.content.decode()
    stored = RequestToken.objects.get(token=token)
    assert (stored.verifier, stored.user) == ("", None)


def test_invalid_username_redisplays_the_form(flow):
    token = flow.request_token()["oauth_token"]

    response = flow.client.post(
        f"/sandbox/oauth/authorize?oauth_token={token}",
        {"username": "not a handle!", "action": "authorize"},
    )

    assert response.status_code == 400
    assert 'id="error"' in response.content.decode()
    assert not SandboxUser.objects.exists()
    assert RequestToken.objects.get(token=token).verifier == ""


def test_consent_form_requires_csrf(flow):
    token = flow.request_token()["oauth_token"]
    flow.client.handler.enforce_csrf_checks = True

    response = flow.client.post(
        f"/sandbox/oauth/authorize?oauth_token={token}",
        {"username": "newbot", "action": "authorize"},
    )

    assert response.status_code == 403
    assert RequestToken.objects.get(token=token).verifier == ""
