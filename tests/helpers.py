"""Plain functions and constants shared by test files: import them from here.

Fixtures live in the conftest.py files; X's answers in tests/xmock.py and tests/xmedia.py; X's
spec in tests/spec.py; OAuth 1.0a signing against the sandbox in tests/sandbox/signing.py.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import zlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.checks import CheckMessage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from botauth.models import BotAccount
from tests import xmock

if TYPE_CHECKING:
    # What django.test.Client answers: a response with the request and test attributes on it.
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

# The checkout: manage.py, pyproject.toml, the packages.
ROOT = Path(__file__).resolve().parent.parent


def skip_unless_postgres(why: str) -> None:
    """Skip the test, saying why and how to run it, unless the database is PostgreSQL."""
    __tracebackhide__ = True  # the skip is reported at the test's line, not here
    if connection.vendor != "postgresql":
        pytest.skip(f"{why}: set DATABASE_URL=postgres://...")


# Bot accounts


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


def pending(
    account: BotAccount,
    user: User,
    *,
    token: str = xmock.REQUEST_TOKEN,
    age: timedelta = timedelta(0),
) -> BotAccount:
    """A link flow started by `user` `age` ago, waiting for X's callback (a re-link keeps the
    account linked)."""
    account.twitter_oauth_token = token
    account.twitter_oauth_token_secret = xmock.REQUEST_SECRET
    account.link_started_by = user
    account.link_started_at = timezone.now() - age
    if not account.is_linked:
        account.status = BotAccount.Status.PENDING
    account.save()
    return account


def raw_row(pk: int) -> dict[str, str]:
    """The secret columns as stored, bypassing the ORM's decryption."""
    columns = ["twitter_access_token", "twitter_access_token_secret", "twitter_oauth_token_secret"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM botauth_botaccount WHERE id = %s", [pk])
        return dict(zip(columns, cursor.fetchone(), strict=True))


# Commands, checks, views


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


def ids(messages: list[CheckMessage]) -> list[str | None]:
    """The ids of system check messages, in order."""
    return [m.id for m in messages]


def messages_of(response: TestResponse) -> list[str]:
    """The messages (django.contrib.messages) the response's request left for the user."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def change_url(account: BotAccount) -> str:
    return reverse("admin:botauth_botaccount_change", args=[account.pk])


# botauth's callback view, as X's redirect reaches it
CALLBACK = "/botauth/callback/"


def approve(client: Client, **extra: str) -> TestResponse:
    """X's redirect back after the user authorized the request token."""
    return client.get(
        CALLBACK, {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER, **extra}
    )


# Requests botauth sent to X (recorded by `responses`)


def authorization(call: Any) -> str:
    """The Authorization header of a call recorded by `responses`, as text."""
    header = call.request.headers["Authorization"]
    return header.decode() if isinstance(header, bytes) else str(header)


def oauth_token_of(request: Any) -> str:
    """The oauth_token of a request's OAuth 1.0a Authorization header."""
    header = request.headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    return str(header).split('oauth_token="', 1)[1].split('"', 1)[0]


def users_me_body(username: str, user_id: str = xmock.USER_ID) -> str:
    return json.dumps({"data": {"id": user_id, "name": "A bot", "username": username}})


def as_itself(username: str) -> Callable[[Any], tuple[int, dict[str, str], str]]:
    """X answering each token with the user its <user_id>- prefix names, under one handle."""

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        user_id = oauth_token_of(request).split("-")[0]
        return (200, {"x-access-level": "read-write"}, users_me_body(username, user_id))

    return answer


# The sandbox's answers


def body(response: TestResponse) -> Any:
    """A JSON answer's body."""
    return json.loads(response.content)


def me(client: Client, access_token: str) -> TestResponse:
    """GET /2/users/me on the sandbox with an OAuth 2.0 user access token."""
    return client.get("/sandbox/2/users/me", HTTP_AUTHORIZATION=f"Bearer {access_token}")


def png(width: int = 3, height: int = 2, padding: int = 0) -> bytes:
    """The head of a PNG of that size (what the sandbox reads of an image)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + b"\x00" * padding


# The sandbox's OAuth 2.0 provider (X's Authorization Code flow with PKCE)

REDIRECT = "http://127.0.0.1:8000/botauth/callback/"
POSTING = "tweet.read tweet.write users.read offline.access"
AUTHORIZE = "/sandbox/i/oauth2/authorize"
TOKEN = "/sandbox/2/oauth2/token"
REVOKE = "/sandbox/2/oauth2/revoke"
CLIENT_ID = "c2FuZGJveC10ZXN0LWNsaWVudDoxOmNp"
CLIENT_SECRET = "sandbox-test-client-secret-0123456789abcdefghijklm"

INVALID_CODE = {
    "error": "invalid_request",
    "error_description": "Value passed for the authorization code was invalid.",
}
INVALID_TOKEN = {
    "error": "invalid_request",
    "error_description": "Value passed for the token was invalid.",
}
MISSING_AUTHORIZATION = {
    "error": "unauthorized_client",
    "error_description": "Missing valid authorization header",
}


def challenge_of(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def answer(response: TestResponse) -> dict[str, Any]:
    """The sandbox's JSON answer, checked to be labelled JSON."""
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    parsed: dict[str, Any] = json.loads(response.content)
    return parsed
