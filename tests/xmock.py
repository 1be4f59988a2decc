"""X's answers in X's real formats (see ../shared/X_FACTS.md), for `responses`."""

from __future__ import annotations

import json

import responses

API = "https://api.twitter.com"
REQUEST_TOKEN_URL = f"{API}/oauth/request_token"
ACCESS_TOKEN_URL = f"{API}/oauth/access_token"
USERS_ME_URL = f"{API}/2/users/me"
INVALIDATE_URL = f"{API}/1.1/oauth/invalidate_token"

REQUEST_TOKEN = "NPcudxy0yU5T3tBzho7iCotZ3cnetKwcTIRlX0iwRl0"
REQUEST_SECRET = "veNRnAWe6inFuo8o2u8SLLZLjolYDmDP7SzL0YfYI"
VERIFIER = "uw7NjWHT6OJ1MpJOXsHfNxoAhPKpgI8BlYDhxEjIBY"
USER_ID = "6253282"
ACCESS_TOKEN = f"{USER_ID}-LfkdKVsHBUn3JuN5zzyUsLlrGbkFVE9J9ZnPCpNq"
ACCESS_SECRET = "9z6157pUbOBqtbm0A0q4r29Y2EYzIHlUwbF4Cl9c"
SCREEN_NAME = "twitterapi"

UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}


def request_token(
    rsps: responses.RequestsMock, *, token: str = REQUEST_TOKEN, confirmed: str = "true"
) -> None:
    body = f"oauth_token={token}&oauth_token_secret={REQUEST_SECRET}"
    if confirmed:
        body += f"&oauth_callback_confirmed={confirmed}"
    rsps.post(REQUEST_TOKEN_URL, body=body, content_type="application/x-www-form-urlencoded")


def access_token(
    rsps: responses.RequestsMock,
    *,
    user_id: str = USER_ID,
    screen_name: str = SCREEN_NAME,
    token: str | None = None,
    secret: str = ACCESS_SECRET,
    access_level: str = "",
) -> None:
    token = token or f"{user_id}-LfkdKVsHBUn3JuN5zzyUsLlrGbkFVE9J9ZnPCpNq"
    body = (
        f"oauth_token={token}&oauth_token_secret={secret}"
        f"&user_id={user_id}&screen_name={screen_name}"
    )
    # X may name the app's access level in a header (not documented for this endpoint).
    headers = {"x-access-level": access_level} if access_level else {}
    rsps.post(
        ACCESS_TOKEN_URL,
        body=body,
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def oauth_error(rsps: responses.RequestsMock, url: str, *, status: int = 401) -> None:
    body = {"errors": [{"code": 32, "message": "Could not authenticate you."}]}
    rsps.post(url, json=body, status=status)


def users_me(
    rsps: responses.RequestsMock,
    *,
    user_id: str = USER_ID,
    username: str = SCREEN_NAME,
    access_level: str = "read-write",
    remaining: int = 74,
) -> None:
    rsps.get(
        USERS_ME_URL,
        json={"data": {"id": user_id, "name": "Twitter API", "username": username}},
        headers={
            "x-access-level": access_level,
            "x-rate-limit-limit": "75",
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": "1641543656",
        },
    )


def users_me_error(rsps: responses.RequestsMock, status: int, *, reset: int = 1641543656) -> None:
    bodies = {
        401: UNAUTHORIZED,
        403: {
            "title": "Forbidden",
            "type": "about:blank",
            "status": 403,
            "detail": "Your account is suspended and is not permitted to access this feature.",
        },
        429: {
            "title": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
            "detail": "Too Many Requests",
        },
    }
    body = bodies.get(
        status,
        {
            "title": "Service Unavailable",
            "status": status,
            "type": "about:blank",
            "detail": "Service Unavailable",
        },
    )
    headers = (
        {
            "x-rate-limit-limit": "75",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        }
        if status == 429
        else {}
    )
    rsps.get(
        USERS_ME_URL,
        body=json.dumps(body),
        status=status,
        headers=headers,
        content_type="application/problem+json",
    )
