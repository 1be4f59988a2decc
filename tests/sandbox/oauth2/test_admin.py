from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from botauth_sandbox.models import AccessToken, OAuth2Grant, OAuth2Token, SandboxUser
from tests.helpers import CLIENT_ID, CLIENT_SECRET


@pytest.fixture
def staff_client(client, db):
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw"))
    return client


def test_grant_page_shows_token_prefixes_never_the_tokens(flow, staff_client):
    token = flow.token()
    grant = OAuth2Grant.objects.get()

    response = staff_client.get(f"/admin/botauth_sandbox/oauth2grant/{grant.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f"{token['access_token'][:8]}…" in html
    assert f"{token['refresh_token'][:8]}…" in html
    assert token["access_token"] not in html
    assert token["refresh_token"] not in html
    assert "tweet.read tweet.write users.read offline.access" in html


def test_grant_list_shows_each_users_grants(flow, staff_client):
    flow.token(username="firstbot")
    flow.token(username="secondbot")

    response = staff_client.get("/admin/botauth_sandbox/oauth2grant/?q=secondbot")

    html = response.content.decode()
    assert response.status_code == 200
    assert "@secondbot" in html
    assert "@firstbot" not in html


def test_revoke_action_ends_the_grant_and_its_tokens(flow, staff_client):
    token = flow.token()
    grant = OAuth2Grant.objects.get()

    response = staff_client.post(
        "/admin/botauth_sandbox/oauth2grant/",
        {"action": "revoke_grants", "_selected_action": [grant.pk]},
    )

    assert response.status_code == 302
    assert OAuth2Grant.objects.get().revoked
    assert OAuth2Token.objects.get().revoked
    api = flow.client.get(
        "/sandbox/2/users/me", HTTP_AUTHORIZATION=f"Bearer {token['access_token']}"
    )
    assert api.status_code == 401


def test_users_revoke_tokens_action_revokes_both_protocols(flow, staff_client, app):
    flow.token()
    user = SandboxUser.objects.get()
    AccessToken.objects.create(token=f"{user.user_id}-t" * 3, secret="s" * 30, app=app, user=user)

    staff_client.post(
        "/admin/botauth_sandbox/sandboxuser/",
        {"action": "revoke_tokens", "_selected_action": [user.pk]},
    )

    assert AccessToken.objects.get().revoked
    assert OAuth2Grant.objects.get().revoked
    assert OAuth2Token.objects.get().revoked


def test_grants_cannot_be_added_by_hand(staff_client):
    assert staff_client.get("/admin/botauth_sandbox/oauth2grant/add/").status_code == 403


def test_client_list_shows_the_client_id_but_not_the_secret(oauth2_client, staff_client):
    response = staff_client.get("/admin/botauth_sandbox/oauth2client/")

    html = response.content.decode()
    assert CLIENT_ID in html
    assert CLIENT_SECRET not in html


def test_admin_adds_an_oauth2_client_to_an_app(app, staff_client):
    response = staff_client.post(
        "/admin/botauth_sandbox/oauth2client/add/",
        {"app": app.pk, "client_id": "new-client-id", "client_secret": "new-secret", "public": ""},
    )

    assert response.status_code == 302
    created = app.oauth2_client
    assert (created.client_id, created.client_secret, created.public) == (
        "new-client-id",
        "new-secret",
        False,
    )
