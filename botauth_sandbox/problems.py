"""X's answers: JSON bodies, v1.1's {"errors": [...]} and v2's problem documents.

X labels v2 JSON `application/json; charset=utf-8` and v1.1 JSON `application/json;charset=utf-8`
(tweepy's recorded cassettes). Its authentication layer answers with `application/problem+json`
(401, 429, the 403s about the credentials), while an endpoint's own refusals (400 invalid request,
403 duplicate content) come as `application/json; charset=utf-8` (seen in answers quoted in client
issues). Typed problems carry the type URI of the newest spec that defines them: 2.167's
`https://api.x.com/2/problems/...` for invalid-request and resource-not-found, 2.166's
`https://api.twitter.com/2/problems/...` for those 2.167 dropped.
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

V2_JSON = "application/json; charset=utf-8"
V1_JSON = "application/json;charset=utf-8"
PROBLEM_JSON = "application/problem+json"

COULD_NOT_AUTHENTICATE = (32, "Could not authenticate you.")
INVALID_TOKEN = (89, "Invalid or expired token.")
SUSPENDED = (64, "Your account is suspended and is not permitted to access this feature.")
RATE_LIMITED = (88, "Rate limit exceeded")
TIMESTAMP_OUT_OF_BOUNDS = (135, "Timestamp out of bounds.")
BAD_AUTHENTICATION_DATA = (215, "Bad Authentication data.")
CREDENTIALS_NOT_ALLOWED = (220, "Your credentials do not allow access to this resource.")
CANNOT_WRITE = (261, "Application cannot perform write actions.")
CALLBACK_NOT_APPROVED = (
    415,
    "Callback URL not approved for this client application. "
    "Approved callback URLs can be adjusted in your application settings",
)

INVALID_REQUEST = "https://api.x.com/2/problems/invalid-request"
RESOURCE_NOT_FOUND = "https://api.x.com/2/problems/resource-not-found"
UNSUPPORTED_AUTHENTICATION = "https://api.twitter.com/2/problems/unsupported-authentication"
OAUTH1_PERMISSIONS = "https://api.twitter.com/2/problems/oauth1-permissions"
INVALID_PARAMETERS = "One or more parameters to your request was invalid."

PROBLEM_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    429: "Too Many Requests",
    501: "Not Implemented",
}


def v2_json(body: dict[str, Any], *, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, content_type=V2_JSON)


def v1_json(body: dict[str, Any], *, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, content_type=V1_JSON)


def v1_error(status: int, error: tuple[int, str]) -> JsonResponse:
    code, message = error
    return v1_json({"errors": [{"code": code, "message": message}]}, status=status)


def v2_problem(status: int, detail: str | None = None) -> JsonResponse:
    """A generic (about:blank) problem from X's authentication layer."""
    title = PROBLEM_TITLES[status]
    return JsonResponse(
        {"title": title, "detail": detail or title, "type": "about:blank", "status": status},
        status=status,
        content_type=PROBLEM_JSON,
    )


class Problem(Exception):
    """A v2 answer that ends the call: raised anywhere below a view, rendered by it."""

    def __init__(self, status: int, body: dict[str, Any], content_type: str = V2_JSON) -> None:
        super().__init__(body.get("detail", ""))
        self.status = status
        self.body = body
        self.content_type = content_type

    def response(self) -> JsonResponse:
        return JsonResponse(self.body, status=self.status, content_type=self.content_type)


def param_error(parameter: str, values: list[str], message: str) -> dict[str, Any]:
    """One item of an invalid-request problem's `errors`, as X words them."""
    return {"parameters": {parameter: values}, "message": message}


def invalid_request(*errors: dict[str, Any]) -> Problem:
    return Problem(
        400,
        {
            "errors": list(errors),
            "title": "Invalid Request",
            "detail": INVALID_PARAMETERS,
            "type": INVALID_REQUEST,
        },
    )


def invalid_parameter(parameter: str, value: str, message: str) -> Problem:
    return invalid_request(param_error(parameter, [value], message))


def forbidden(detail: str) -> Problem:
    """A 403 an endpoint gives about the request itself (duplicate content, someone's post)."""
    return Problem(
        403, {"detail": detail, "type": "about:blank", "title": "Forbidden", "status": 403}
    )


def unsupported_authentication() -> Problem:
    return Problem(
        403,
        {
            "title": "Unsupported Authentication",
            "detail": (
                "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
                "Supported authentication types are [OAuth 1.0a User Context, "
                "OAuth 2.0 User Context]."
            ),
            "type": UNSUPPORTED_AUTHENTICATION,
            "status": 403,
        },
        content_type=PROBLEM_JSON,
    )


def oauth1_permissions() -> Problem:
    return Problem(
        403,
        {
            "title": "Forbidden",
            "status": 403,
            "detail": (
                "Your client app is not configured with the appropriate oauth1 app permissions "
                "for this endpoint."
            ),
            "type": OAUTH1_PERMISSIONS,
        },
        content_type=PROBLEM_JSON,
    )


def not_found_error(
    *, resource_type: str, parameter: str, value: str, detail: str
) -> dict[str, Any]:
    """An item of a lookup's `errors`: X answers 200 with it when the resource does not exist."""
    return {
        "value": value,
        "detail": detail,
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": RESOURCE_NOT_FOUND,
    }


def generic(status: int, detail: str) -> Problem:
    title = PROBLEM_TITLES[status]
    return Problem(
        status, {"title": title, "detail": detail, "type": "about:blank", "status": status}
    )
