from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.test import Client

from botauth import health
from botauth.models import BotAccount
from tests import xmock

# The x_sandbox fixture: the distribution's pytest11 entry point brings it once the project is
# installed; these tests run from the checkout. Both register it under its module's name, once.
pytest_plugins = ["tests.browser", "botauth_sandbox.testing"]


@pytest.fixture(autouse=True)
def _forget_traffic_health() -> Iterator[None]:
    """Each test starts with a process that has not seen X answer any bot yet."""
    health.forget()
    yield
    health.forget()


@pytest.fixture
def x() -> Iterator[responses.RequestsMock]:
    """X at the HTTP boundary: any request not registered fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def staff(db: Any) -> User:
    user = User.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_botaccount", "view_botaccount"])
    )
    return user


@pytest.fixture
def staff_client(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def account(db: Any) -> BotAccount:
    return BotAccount.objects.create(name="newsbot")


def make_linked(
    name: str = "linkedbot", *, user_id: str = xmock.USER_ID, username: str = xmock.SCREEN_NAME
) -> BotAccount:
    return BotAccount.objects.create(
        name=name,
        status=BotAccount.Status.LINKED,
        twitter_access_token=f"{user_id}-accesstoken{name}",
        twitter_access_token_secret=f"accesssecret{name}",
        twitter_user_id=user_id,
        twitter_username=username,
    )


@pytest.fixture
def linked(db: Any) -> BotAccount:
    return make_linked()


def call(command: str, *args: str, **options: Any) -> tuple[str, str, int]:
    """Run a management command: (stdout, stderr, exit code), CommandError's code included."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err, **options)
    except CommandError as exc:
        err.write(f"{exc}\n")
        return out.getvalue(), err.getvalue(), exc.returncode
    except SystemExit as exc:
        return out.getvalue(), err.getvalue(), int(exc.code or 0)
    return out.getvalue(), err.getvalue(), 0
