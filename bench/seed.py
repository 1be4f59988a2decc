"""Rows the benchmarks start from, written with bulk_create (tokens encrypted by the ORM)."""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from botauth import conf
from botauth.models import BotAccount
from botauth_sandbox.models import AccessLevel, AccessToken, SandboxApp, SandboxUser
from botauth_sandbox.provisioning import APP_NAME

BATCH = 1000
STAFF_PASSWORD = "bench-staff-password"
STAFF_PERMISSIONS = ("change_botaccount", "view_botaccount")


def consumer_app() -> SandboxApp:
    """The sandbox's app for botauth's consumer pair (the pair the sandbox server derives)."""
    key, secret = conf.consumer_credentials()
    app, _ = SandboxApp.objects.update_or_create(
        key=key, defaults={"secret": secret, "name": APP_NAME}
    )
    return app


def linked_accounts(count: int, *, start: int = 0, prefix: str = "vbot") -> None:
    """`count` sandbox X users with a live access pair each, and a BotAccount linked to it."""
    app = consumer_app()
    for first in range(start, start + count, BATCH):
        numbers = range(first, min(first + BATCH, start + count))
        users = SandboxUser.objects.bulk_create(
            SandboxUser(
                username=f"{prefix}{i}", name=f"{prefix}{i}", access_level=AccessLevel.READ_WRITE
            )
            for i in numbers
        )
        tokens = [
            AccessToken(
                token=f"{user.user_id}-{secrets.token_hex(20)}",
                secret=secrets.token_urlsafe(34),
                app=app,
                user=user,
            )
            for user in users
        ]
        AccessToken.objects.bulk_create(tokens)
        now = timezone.now()
        BotAccount.objects.bulk_create(
            BotAccount(
                name=f"{prefix}-{user.username}",
                status=BotAccount.Status.LINKED,
                twitter_access_token=token.token,
                twitter_access_token_secret=token.secret,
                twitter_user_id=user.user_id,
                twitter_username=user.username,
                access_level=AccessLevel.READ_WRITE,
                linked_at=now,
            )
            for user, token in zip(users, tokens, strict=True)
        )


def staff_users(count: int, *, prefix: str) -> list[str]:
    """Staff users who may link bot accounts (not superusers); all share STAFF_PASSWORD."""
    password = make_password(STAFF_PASSWORD)
    users = User.objects.bulk_create(
        User(username=f"{prefix}{i}", password=password, is_staff=True) for i in range(count)
    )
    permissions = list(Permission.objects.filter(codename__in=STAFF_PERMISSIONS))
    through = User.user_permissions.through
    through.objects.bulk_create(
        through(user_id=user.pk, permission_id=permission.pk)
        for user in users
        for permission in permissions
    )
    return [user.username for user in users]


def unlinked_accounts(count: int, *, prefix: str) -> list[int]:
    accounts = BotAccount.objects.bulk_create(BotAccount(name=f"{prefix}{i}") for i in range(count))
    return [account.pk for account in accounts]
