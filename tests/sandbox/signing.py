from __future__ import annotations

from json import dumps
from typing import TypedDict
from urllib.parse import parse_qs, urlencode, urlsplit

from django.test import Client
from oauthlib.oauth1 import Client as OAuthClient

BASE = "http://testserver/sandbox/"
CALLBACK = "http://127.0.0.1:8000/botauth/callback/"


class Credentials(TypedDict):
    """A consumer pair and a user's access pair, as signed_call takes them."""

    key: str
    secret: str
    token: str
    token_secret: str


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


def signed_call(
    client: Client,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    json: object = None,
    multipart: dict[str, object] | None = None,
    form_data: dict[str, str] | None = None,
    **oauth: str | None,
):
    """A signed v2 call: query parameters signed, JSON and multipart bodies not (RFC 5849)."""
    url = path + ("?" + urlencode(params) if params else "")
    oauth_client = OAuthClient(
        oauth["key"],
        client_secret=oauth["secret"],
        resource_owner_key=oauth.get("token"),
        resource_owner_secret=oauth.get("token_secret"),
        nonce=oauth.get("nonce"),
        timestamp=oauth.get("timestamp"),
    )
    body = None
    headers = {}
    if form_data is not None:
        body = urlencode(form_data)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    _, signed_headers, _ = oauth_client.sign(
        BASE + url, http_method=method, body=body, headers=headers
    )
    auth = {"HTTP_AUTHORIZATION": signed_headers["Authorization"]}
    target = "/sandbox/" + url
    if multipart is not None:
        return client.post(target, multipart, **auth)
    if form_data is not None:
        return client.generic(method, target, body, "application/x-www-form-urlencoded", **auth)
    if json is not None:
        return client.generic(method, target, dumps(json), "application/json", **auth)
    return client.generic(method, target, **auth)
