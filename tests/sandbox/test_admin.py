from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User

from botauth_sandbox.models import AccessToken, SandboxUser


@pytest.fixture
def staff_client(client, db):
    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw"))
    return client


def run_action(staff_client, action, user):
    return staff_client.post(
        "/admin/botauth_sandbox/sandboxuser/",
        {"action": action, "_selected_action": [user.pk]},
    )


def test_admin_header_says_sandbox():
    assert admin.site.site_header == "botauth admin — SANDBOX"


def test_suspend_action_suspends(staff_client, user):
    response = run_action(staff_client, "suspend", user)

    assert response.status_code == 302
    assert SandboxUser.objects.get(pk=user.pk).suspended


def test_unsuspend_action_unsuspends(staff_client, user):
    SandboxUser.objects.filter(pk=user.pk).update(suspended=True)

    run_action(staff_client, "unsuspend", user)

    assert not SandboxUser.objects.get(pk=user.pk).suspended


def test_rate_limit_actions_set_and_clear_the_flag(staff_client, user):
    run_action(staff_client, "rate_limit", user)
    limited = SandboxUser.objects.get(pk=user.pk).rate_limited

    run_action(staff_client, "clear_rate_limit", user)

    assert limited
    assert not SandboxUser.objects.get(pk=user.pk).rate_limited


def test_revoke_tokens_action_revokes_the_users_pairs(staff_client, user, pair):
    run_action(staff_client, "revoke_tokens", user)

    assert AccessToken.objects.get(pk=pair.pk).revoked


def test_app_list_never_shows_the_consumer_secret(staff_client, app):
    response = staff_client.get("/admin/botauth_sandbox/sandboxapp/")

    assert response.status_code == 200
    assert app.key in response.content.decode()
    assert app.secret not in response.content.decode()


def test_admin_creates_a_fake_x_user(staff_client, db):
    response = staff_client.post(
        "/admin/botauth_sandbox/sandboxuser/add/",
        {"username": "fresh_bot", "name": "Fresh", "access_level": "read"},
    )

    assert response.status_code == 302
    created = SandboxUser.objects.get(username="fresh_bot")
    assert (created.access_level, created.user_id.isdigit()) == ("read", True)
