"""X's error bodies: v1.1's {"errors": [...]} and v2's problem documents."""

from __future__ import annotations

from django.http import JsonResponse

COULD_NOT_AUTHENTICATE = (32, "Could not authenticate you.")
INVALID_TOKEN = (89, "Invalid or expired token.")
SUSPENDED = (64, "Your account is suspended and is not permitted to access this feature.")
RATE_LIMITED = (88, "Rate limit exceeded")
CALLBACK_NOT_APPROVED = (
    415,
    "Callback URL not approved for this client application. "
    "Approved callback URLs can be adjusted in your application settings",
)

PROBLEM_TITLES = {401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests"}


def v1_error(status: int, error: tuple[int, str]) -> JsonResponse:
    code, message = error
    return JsonResponse({"errors": [{"code": code, "message": message}]}, status=status)


def v2_problem(status: int, detail: str | None = None) -> JsonResponse:
    title = PROBLEM_TITLES[status]
    return JsonResponse(
        {"title": title, "detail": detail or title, "type": "about:blank", "status": status},
        status=status,
        content_type="application/problem+json",
    )
