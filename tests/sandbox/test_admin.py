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


def test_a_sandbox_users_page_lists_their_posts_and_media(staff_client, user):
    from botauth_sandbox.models import Media, Post

    post = Post.objects.create(author=user, text="visible in the admin")
    media = Media.objects.create(
        owner=user, media_category="tweet_video", media_type="video/mp4", total_bytes=10
    )

    response = staff_client.get(f"/admin/botauth_sandbox/sandboxuser/{user.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert post.post_id in html and "visible in the admin" in html
    assert media.media_id in html


def test_posts_are_filtered_per_sandbox_user(staff_client, user):
    from botauth_sandbox.models import Post, SandboxUser

    other = SandboxUser.objects.create(username="other", name="Other")
    Post.objects.create(author=user, text="mine, by botfriend")
    Post.objects.create(author=other, text="theirs, by other")

    response = staff_client.get(f"/admin/botauth_sandbox/post/?author__id__exact={user.pk}")

    html = response.content.decode()
    assert "mine, by botfriend" in html
    assert "theirs, by other" not in html


def test_media_changelist_filters_per_owner(staff_client, user):
    from botauth_sandbox.models import Media

    Media.objects.create(owner=user, media_category="tweet_image", total_bytes=1)

    response = staff_client.get(f"/admin/botauth_sandbox/media/?owner__id__exact={user.pk}")

    assert response.status_code == 200
    assert Media.objects.get().media_id in response.content.decode()


def test_fail_media_processing_action_sets_the_flag(staff_client, user):
    run_action(staff_client, "fail_media_processing", user)

    assert SandboxUser.objects.get(pk=user.pk).media_processing_fails
