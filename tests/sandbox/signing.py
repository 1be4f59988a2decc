from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.test import Client
from oauthlib.oauth1 import Client as OAuthClient

BASE = "http://testserver/sandbox/"
CALLBACK = "http://127.0.0.1:8000/botauth/callback/"


def authorization(
    path: str,
    *,
    key: str,
    secret: str,
    method: str = "POST",
    token: str | None = None,
    token_secret: str | None = None,
    callback: str | None = None,
    verifier: str | None = None,
    nonce: str | None = None,
    timestamp: str | None = None,
) -> str:
    client = OAuthClient(
        key,
        client_secret=secret,
        resource_owner_key=token,
        resource_owner_secret=token_secret,
        callback_uri=callback,
        verifier=verifier,
        nonce=nonce,
        timestamp=timestamp,
    )
    _, headers, _ = client.sign(BASE + path, http_method=method)
    return str(headers["Authorization"])


def signed_post(client: Client, path: str, **oauth: str | None):
    header = authorization(path, method="POST", **oauth)  # type: ignore[arg-type]
    return client.post("/sandbox/" + path, HTTP_AUTHORIZATION=header)


def signed_get(client: Client, path: str, **oauth: str | None):
    header = authorization(path, method="GET", **oauth)  # type: ignore[arg-type]
    return client.get("/sandbox/" + path, HTTP_AUTHORIZATION=header)


def form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode()).items()}


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
