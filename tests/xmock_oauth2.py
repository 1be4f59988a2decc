"""X's OAuth 2.0 answers in X's formats (../shared/X_FACTS.md, OAuth 2.0), for `responses`.

The token answer is RFC 6749 5.1 JSON as X sends it (`token_type` "bearer", `expires_in` 7200,
`refresh_token` only with offline.access); X's refusals are `{"error", "error_description"}`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import responses

from tests import xmock

API = "https://api.x.com"
TOKEN_URL = f"{API}/2/oauth2/token"
REVOKE_URL = f"{API}/2/oauth2/revoke"
AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
USERS_ME_URL = xmock.USERS_ME_URL

# Shaped like X's: a Client ID is base64 of "<random>:1:ci", codes and tokens base64 of a record.
CLIENT_ID = "M1M5R3BMOEhWOEJvQjY3c0tSbmI6MTpjaQ"
CLIENT_SECRET = "kr6hP5AAN5vBD1jtr-0KgUe0qMhJvzIz9y9s1H6nyldmVFWyxf"
# The authorization code of X's own docs (oauth-2-0/user-access-token.mdx).
CODE = "VGNibzFWSWREZm01bjN1N3dicWlNUG1oa2FRRVNNdmVHelpYbkJiNWJ5Qk06MTYyMjE1NTc1NTgwNDoxOjE6YWM6MQ"
ACCESS_TOKEN = "bWRLN0dfVkdPY0hBa2VudmFfN05zYm5hcUxMdHRMRF9sOjE3MzI2MzUzNTc1NTU6MTowOmF0OjE"
REFRESH_TOKEN = "Y0tqS3ZxX3pGMk9LNWFNRlpjbTJ4aXdxX01QYkE0V0JJOjE3MzI2MzUzNTc1NTU6MTowOnJ0OjE"
POSTING_SCOPES = "tweet.read tweet.write users.read offline.access media.write"
USER_ID = "1072250532645998596"
USERNAME = "TweepyDev"

INVALID_TOKEN = {
    "error": "invalid_request",
    "error_description": "Value passed for the token was invalid.",
}
INVALID_CODE = {
    "error": "invalid_request",
    "error_description": "Value passed for the authorization code was invalid.",
}
MISSING_AUTHORIZATION = {
    "error": "unauthorized_client",
    "error_description": "Missing valid authorization header",
}


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_answer(**changes: Any) -> dict[str, Any]:
    """X's answer to a code exchange; a change to None leaves that field out."""
    answer: dict[str, Any] = {
        "token_type": "bearer",
        "expires_in": 7200,
        "access_token": ACCESS_TOKEN,
        "scope": POSTING_SCOPES,
        "refresh_token": REFRESH_TOKEN,
    }
    answer.update(changes)
    return {k: v for k, v in answer.items() if v is not None}


def token(
    rsps: responses.RequestsMock, *, body: Any = None, status: int = 200, **changes: Any
) -> None:
    rsps.post(
        TOKEN_URL,
        body=json.dumps(token_answer(**changes) if body is None else body),
        status=status,
        content_type="application/json",
    )


def users_me(
    rsps: responses.RequestsMock, *, user_id: Any = USER_ID, username: Any = USERNAME
) -> dict[str, Any]:
    # A bearer answer has no x-access-level: that is an OAuth 1.0a app permission.
    body = {"data": {"id": user_id, "name": "Tweepy Testing", "username": username}}
    rsps.get(
        USERS_ME_URL,
        json=body,
        headers={
            "x-rate-limit-limit": "75",
            "x-rate-limit-remaining": "74",
            "x-rate-limit-reset": "1641543656",
        },
    )
    return body


def revoke(rsps: responses.RequestsMock, *, status: int = 200, body: Any = None) -> None:
    rsps.post(
        REVOKE_URL,
        body=json.dumps({"revoked": True} if body is None else body),
        status=status,
        content_type="application/json",
    )


def form(call: Any) -> dict[str, str]:
    """The form a recorded call to X sent, each name once."""
    from urllib.parse import parse_qsl

    body = call.request.body
    pairs = parse_qsl(body.decode() if isinstance(body, bytes) else body)
    assert len(pairs) == len(dict(pairs)), pairs
    return dict(pairs)
