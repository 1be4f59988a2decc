"""pytest plugin: the `x_sandbox` fixture, for tests of bot code against the sandbox of X.

Registered by the distribution's `pytest11` entry point, so it is there in any pytest run of a
project that installed django-botauth: this module imports nothing but pytest until the fixture
is used (a project without Django, or without the [sandbox] extra, must still start pytest).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

if TYPE_CHECKING:
    from django.test import Client

    from botauth.models import BotAccount
    from botauth_sandbox.models import Post, SandboxUser

HOST = "testserver"
# Never requested: the consent step's redirect to it carries the verifier, read from there.
CALLBACK = f"http://{HOST}/botauth/callback/"


class SandboxError(Exception):
    """x_sandbox cannot do what the test asked: the project lacks the sandbox, or it refused."""


class XSandbox:
    """X for one test, served by the sandbox app in this process; no server, no network.

    Every request botauth makes (``get_tweepy_client()``, links, ``verify_bot_tokens``) goes
    to the sandbox while the fixture is active; a request to any other URL fails.
    """

    def __init__(self, *, base: str) -> None:
        self.base = base

    def link(self, account: BotAccount, username: str | None = None) -> BotAccount:
        """Link ``account`` to a sandbox X user through the real OAuth 1.0a flow.

        The user is new unless ``username`` names an existing one. Returns the account as
        stored, linked.
        """
        from django.test import Client

        from botauth import flows

        username = username or self._fresh_username(account.name)
        # OAuth 1.0a: the flow completes here without a browser session or a staff user.
        authorize = flows.start_link(
            account=account, user=None, callback=CALLBACK, protocol="oauth1"
        )
        browser = Client()
        try:
            page = _get(browser, authorize)
            if page.status_code != 200:
                raise SandboxError(f"The sandbox's consent page answered {page.status_code}.")
            approved = _post(browser, authorize, {"username": username, "action": "authorize"})
            if approved.status_code != 302:
                raise SandboxError(
                    f"The sandbox did not approve @{username} ({approved.status_code}): "
                    f"{approved.content[:300]!r}"
                )
        except Exception:
            flows.clear_pending(account)
            raise
        query = parse_qs(urlsplit(approved["Location"]).query)
        flows.complete_link(
            account=account,
            oauth_token=query["oauth_token"][0],
            verifier=query["oauth_verifier"][0],
            user=None,
        )
        account.refresh_from_db()
        return account

    def user(self, account: BotAccount) -> SandboxUser:
        """The sandbox X user ``account`` is linked to."""
        from botauth.models import BotAccount
        from botauth_sandbox.models import SandboxUser

        user_id = BotAccount.objects.values_list("twitter_user_id", flat=True).get(pk=account.pk)
        user = SandboxUser.objects.filter(user_id=user_id).first() if user_id else None
        if user is None:
            raise LookupError(
                f"Bot account {account.name!r} is not linked to a sandbox X user; "
                "call x_sandbox.link(account) first."
            )
        return user

    def posts(self, account: BotAccount) -> list[Post]:
        """What ``account`` posted on the sandbox, oldest first (``text``, ``media_ids``, ...)."""
        from botauth_sandbox.models import Post

        return list(Post.objects.filter(author=self.user(account)).order_by("created_at", "pk"))

    def revoke(self, account: BotAccount) -> int:
        """Revoke the user's access tokens, as a person does in X's settings: X answers 401."""
        from botauth_sandbox.models import AccessToken

        return AccessToken.objects.filter(user=self.user(account), revoked=False).update(
            revoked=True
        )

    def suspend(self, account: BotAccount, suspended: bool = True) -> None:
        """Suspend (or reinstate) the user: X answers 403 to its calls."""
        self._flag(account, suspended=suspended)

    def rate_limit(self, account: BotAccount, limited: bool = True) -> None:
        """Make every call of the user answer 429 (or stop doing so)."""
        self._flag(account, rate_limited=limited)

    def set_access_level(self, account: BotAccount, level: str) -> None:
        """What X reports in x-access-level: read, read-write or read-write-directmessages."""
        self._flag(account, access_level=level)

    def _flag(self, account: BotAccount, **fields: Any) -> None:
        from botauth_sandbox.models import SandboxUser

        SandboxUser.objects.filter(pk=self.user(account).pk).update(**fields)

    @staticmethod
    def _fresh_username(name: str) -> str:
        from botauth_sandbox.models import SandboxUser

        stem = re.sub(r"[^A-Za-z0-9_]", "_", name)[:11] or "bot"
        taken = {
            u.lower()
            for u in SandboxUser.objects.filter(username__istartswith=stem).values_list(
                "username", flat=True
            )
        }
        candidate, number = stem, 1
        while candidate.lower() in taken:
            number += 1
            candidate = f"{stem}{number}"
        return candidate


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _get(browser: Client, url: str) -> Any:
    return browser.get(_path(url), HTTP_HOST=urlsplit(url).netloc)


def _post(browser: Client, url: str, data: dict[str, str]) -> Any:
    return browser.post(_path(url), data, HTTP_HOST=urlsplit(url).netloc)


def sandbox_base() -> str:
    """Where this project serves the sandbox, as the in-process transport is asked for it."""
    from django.apps import apps
    from django.urls import NoReverseMatch, reverse

    if not apps.is_installed("botauth_sandbox"):
        raise SandboxError(
            'x_sandbox needs the sandbox app: add "botauth_sandbox" to INSTALLED_APPS in the '
            'settings your tests use (pip install "django-botauth[sandbox]").'
        )
    try:
        request_token = reverse("botauth_sandbox:request_token")
    except NoReverseMatch as err:
        raise SandboxError(
            "x_sandbox needs the sandbox's URLs: add "
            'path("sandbox/", include("botauth_sandbox.urls")) to your root URLconf.'
        ) from err
    return f"http://{HOST}{request_token.removesuffix('/oauth/request_token')}"


@pytest.fixture
def x_sandbox(db: None, settings: Any) -> Iterator[XSandbox]:
    """X served by botauth's sandbox in this process, for one test (see XSandbox).

    Turns BOTAUTH_SANDBOX on and uses the consumer pair it derives from SECRET_KEY (X keys in
    your settings are ignored meanwhile); everything the sandbox stores is rolled back with the
    test's database. Code that calls X from other threads (verify_bot_tokens) needs
    ``transactional_db``: other threads cannot see the rows of the test's transaction.
    """
    from botauth.transport import mounted
    from botauth_sandbox.inprocess import InProcessAdapter

    base = sandbox_base()
    settings.BOTAUTH_SANDBOX = True
    settings.BOTAUTH_X_API_URL = ""
    settings.BOTAUTH_SANDBOX_URL = base
    settings.TWITTER_CONSUMER_API_KEY = ""
    settings.TWITTER_CONSUMER_API_KEY_SECRET = ""
    settings.TWITTER_CLIENT_ID = ""
    settings.TWITTER_CLIENT_SECRET = ""
    adapter = InProcessAdapter(base, owner=threading.get_ident())
    with mounted(adapter, "http://", "https://"):
        yield XSandbox(base=base)
