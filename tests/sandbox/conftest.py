from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from botauth_sandbox.models import AccessToken, SandboxApp, SandboxUser
from tests.sandbox.signing import CALLBACK, Credentials, form, query, signed_call, signed_post


@pytest.fixture
def app(db) -> SandboxApp:
    return SandboxApp.objects.create(
        name="Test bot app", key="sandbox-test-consumer-key", secret="sandbox-test-consumer-secret"
    )


@pytest.fixture
def consumer(app: SandboxApp) -> dict[str, str]:
    return {"key": app.key, "secret": app.secret}


@dataclass
class Flow:
    """Drives X's three legs against the sandbox, one step at a time."""

    client: Client
    consumer: dict[str, str]

    def request_token(self, callback: str = CALLBACK) -> dict[str, str]:
        response = signed_post(
            self.client, "oauth/request_token", callback=callback, **self.consumer
        )
        assert response.status_code == 200, response.content
        return form(response.content)

    def approve(self, token: str, username: str = "botfriend") -> dict[str, str]:
        response = self.client.post(
            f"/sandbox/oauth/authorize?oauth_token={token}",
            {"username": username, "action": "authorize"},
        )
        assert response.status_code == 302, response.content
        return query(response["Location"])

    def access_token(self, request: dict[str, str], verifier: str) -> dict[str, str]:
        response = signed_post(
            self.client,
            "oauth/access_token",
            token=request["oauth_token"],
            token_secret=request["oauth_token_secret"],
            verifier=verifier,
            **self.consumer,
        )
        assert response.status_code == 200, response.content
        return form(response.content)

    def link(self, username: str = "botfriend") -> dict[str, str]:
        request = self.request_token()
        redirect = self.approve(request["oauth_token"], username)
        return self.access_token(request, redirect["oauth_verifier"])


@pytest.fixture
def flow(client: Client, consumer: dict[str, str]) -> Flow:
    return Flow(client=client, consumer=consumer)


@pytest.fixture
def user(db) -> SandboxUser:
    return SandboxUser.objects.create(username="botfriend", name="Bot Friend")


@pytest.fixture
def pair(app: SandboxApp, user: SandboxUser) -> AccessToken:
    return AccessToken.objects.create(
        token=f"{user.user_id}-accesstokenaccesstokenaccesstoken",
        secret="accesssecretaccesssecretaccesssecret",
        app=app,
        user=user,
    )


@pytest.fixture
def as_user(consumer: dict[str, str], pair: AccessToken) -> Credentials:
    return Credentials(
        key=consumer["key"], secret=consumer["secret"], token=pair.token, token_secret=pair.secret
    )


@dataclass
class Api:
    """Signed v2 calls as the `user` fixture's sandbox user, through the Django test client."""

    client: Client
    oauth: Credentials
    user: SandboxUser

    def get(self, path: str, **params: str):
        return signed_call(self.client, "GET", path, params=params or None, **self.oauth)

    def delete(self, path: str):
        return signed_call(self.client, "DELETE", path, **self.oauth)

    def post(self, path: str, body: object = None, **params: str):
        return signed_call(
            self.client, "POST", path, params=params or None, json=body, **self.oauth
        )

    def multipart(self, path: str, parts: dict[str, object], **params: str):
        return signed_call(
            self.client, "POST", path, params=params or None, multipart=parts, **self.oauth
        )

    def form(self, path: str, fields: dict[str, str]):
        return signed_call(self.client, "POST", path, form_data=fields, **self.oauth)


@pytest.fixture
def api(client: Client, as_user: Credentials, user: SandboxUser) -> Api:
    return Api(client=client, oauth=as_user, user=user)


@pytest.fixture
def stranger(client: Client, app: SandboxApp) -> Api:
    """Another sandbox user, signed in to the same app."""
    other = SandboxUser.objects.create(username="someoneelse", name="Someone Else")
    token = AccessToken.objects.create(
        token=f"{other.user_id}-othertokenothertokenothertoken",
        secret="othersecretothersecretothersecret",
        app=app,
        user=other,
    )
    oauth = Credentials(
        key=app.key, secret=app.secret, token=token.token, token_secret=token.secret
    )
    return Api(client=client, oauth=oauth, user=other)
