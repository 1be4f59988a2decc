"""Drives X's OAuth 2.0 Authorization Code flow with PKCE against the sandbox, step by step."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from botauth_sandbox.models import OAuth2Client, SandboxApp
from tests.helpers import (
    AUTHORIZE,
    CLIENT_ID,
    CLIENT_SECRET,
    POSTING,
    REDIRECT,
    REVOKE,
    TOKEN,
    basic,
    challenge_of,
)
from tests.sandbox.signing import query


@pytest.fixture
def app(db) -> SandboxApp:
    return SandboxApp.objects.create(
        name="Test bot app",
        key="sandbox-test-consumer-key",
        secret="sandbox-test-consumer-secret",
        callback_urls=REDIRECT,
    )


@pytest.fixture
def oauth2_client(app: SandboxApp) -> OAuth2Client:
    return OAuth2Client.objects.create(app=app, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


@dataclass
class Flow:
    """One authorization: its PKCE verifier and state, and the calls a client makes."""

    client: Client
    client_id: str = CLIENT_ID
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(64))
    state: str = "state-7d8f9a0b1c2d3e4f"

    def authorize_url(self, *, path: str | None = None, **params: str | None) -> str:
        defaults: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": REDIRECT,
            "scope": POSTING,
            "state": self.state,
            "code_challenge": challenge_of(self.verifier),
            "code_challenge_method": "S256",
        }
        merged = {k: v for k, v in {**defaults, **params}.items() if v is not None}
        return f"{path or AUTHORIZE}?{urlencode(merged)}"

    def approve(self, username: str = "botfriend", **params: str | None) -> dict[str, str]:
        response = self.client.post(
            self.authorize_url(**params), {"username": username, "action": "authorize"}
        )
        assert response.status_code == 302, response.content
        return query(response["Location"])

    def exchange(
        self,
        code: str,
        *,
        verifier: str | None = None,
        redirect_uri: str = REDIRECT,
        authorization: str | None = None,
        **extra: str,
    ):
        body = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier if verifier is not None else self.verifier,
            **extra,
        }
        return self.post(TOKEN, body, authorization=authorization)

    def token(self, scope: str = POSTING, username: str = "botfriend") -> dict[str, str]:
        code = self.approve(username, scope=scope)["code"]
        response = self.exchange(code)
        assert response.status_code == 200, response.content
        token: dict[str, str] = json.loads(response.content)
        return token

    def refresh(self, refresh_token: str, *, authorization: str | None = None, **extra: str):
        body = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
        return self.post(TOKEN, body, authorization=authorization)

    def revoke(self, token: str, *, authorization: str | None = None, **extra: str):
        return self.post(REVOKE, {"token": token, **extra}, authorization=authorization)

    def post(self, path: str, body: dict[str, str], *, authorization: str | None = None):
        headers: dict[str, Any] = {
            "HTTP_AUTHORIZATION": authorization if authorization is not None else basic()
        }
        if not headers["HTTP_AUTHORIZATION"]:
            headers = {}
        return self.client.post(
            path, urlencode(body), content_type="application/x-www-form-urlencoded", **headers
        )


@pytest.fixture
def flow(client: Client, oauth2_client: OAuth2Client) -> Flow:
    return Flow(client=client)
