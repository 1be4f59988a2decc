from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses
from django.contrib.auth.models import Permission, User
from django.test import Client

from botauth import health
from botauth.models import BotAccount
from tests.helpers import make_linked

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


@pytest.fixture
def linked(db: Any) -> BotAccount:
    return make_linked()


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verification's retries do not sleep."""
    monkeypatch.setattr("botauth.verification.time.sleep", lambda seconds: None)
