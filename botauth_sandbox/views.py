from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from botauth_sandbox import calls, consent, problems, provider, ratelimit
from botauth_sandbox.api import methods
from botauth_sandbox.calls import Refusal, Refused
from botauth_sandbox.models import RequestToken

INVALID_TOKEN_MESSAGE = gettext_lazy(
    "This request token is unknown, expired or used. Start again from the app."
)
SUSPENDED_MESSAGE = gettext_lazy("This sandbox account is suspended and cannot authorize apps.")


def _request_token(request: HttpRequest) -> HttpResponse:
    call = provider.signed(request)
    return _unsigned(call) or _token_response(provider.issue_request_token(call))


def _access_token(request: HttpRequest) -> HttpResponse:
    call = provider.signed(request)
    return _unsigned(call) or _token_response(provider.issue_access_token(call))


request_token = methods(POST=_request_token)
access_token = methods(POST=_access_token)


def authorize(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        response = problems.v2_problem(405, f"{request.method} is not allowed here; use GET, POST.")
        response["Allow"] = "GET, POST"
        return response
    query = urlencode({"oauth_token": request.GET.get("oauth_token", "")})
    uri = f"{request.build_absolute_uri(request.path)}?{query}"
    try:
        row = consent.pending(uri=uri)
        if request.method == "GET":
            return _consent_page(request, row=row, username=request.GET.get("screen_name", ""))
        if request.POST.get("action") == "cancel":
            return _outcome(request, consent.cancel(uri=uri))
        username = request.POST.get("username", "").strip().lstrip("@")
        try:
            return _outcome(request, consent.approve(uri=uri, username=username))
        except ValidationError as err:
            return _consent_page(request, row=row, username=username, error=err.messages[0])
    except consent.InvalidRequestToken:
        title = _("Invalid request token")
        return _error_page(request, title, str(INVALID_TOKEN_MESSAGE), status=400)
    except consent.SuspendedUser:
        return _error_page(request, _("Account suspended"), str(SUSPENDED_MESSAGE), status=403)


def _verify_credentials(request: HttpRequest) -> HttpResponse:
    try:
        call = calls.admit(request, resource=ratelimit.VERIFY_CREDENTIALS)
    except Refused as refused:
        return _v1_refusal(refused)
    user = call.token.user
    body = {
        "id": int(user.user_id),
        "id_str": user.user_id,
        "name": user.display_name,
        "screen_name": user.username,
        "location": "",
        "description": "",
        "url": None,
        "protected": False,
        "verified": False,
        "followers_count": 0,
        "friends_count": 0,
        "statuses_count": 0,
        "created_at": user.created_at.strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "suspended": False,
    }
    response = problems.v1_json(body)
    for name, value in call.headers().items():
        response[name] = value
    return response


def _invalidate_token(request: HttpRequest) -> HttpResponse:
    try:
        token = calls.revoke(request)
    except Refused as refused:
        return _v1_refusal(refused)
    return problems.v1_json({"access_token": token.token})


verify_credentials = methods(GET=_verify_credentials)
invalidate_token = methods(POST=_invalidate_token)


def _unsigned(call: provider.Signed) -> HttpResponse | None:
    """X's answer to a request without OAuth parameters, or with a stale timestamp."""
    found = provider.credentials(call)
    if found is provider.Credentials.MISSING:
        return problems.v1_error(400, problems.BAD_AUTHENTICATION_DATA)
    if found is provider.Credentials.STALE:
        return problems.v1_error(401, problems.TIMESTAMP_OUT_OF_BOUNDS)
    return None


def _token_response(result: provider.EndpointResult) -> HttpResponse:
    if result.status == 200:
        return HttpResponse(result.body, content_type="application/x-www-form-urlencoded")
    if result.error == provider.CallbackNotApproved.error:
        return problems.v1_error(403, problems.CALLBACK_NOT_APPROVED)
    return problems.v1_error(401, problems.COULD_NOT_AUTHENTICATE)


V1_REFUSALS = {
    Refusal.NO_AUTH: (400, problems.BAD_AUTHENTICATION_DATA),
    Refusal.STALE_TIMESTAMP: (401, problems.TIMESTAMP_OUT_OF_BOUNDS),
    Refusal.BAD_TOKEN: (401, problems.INVALID_TOKEN),
    Refusal.APP_ONLY: (403, problems.CREDENTIALS_NOT_ALLOWED),
    Refusal.SUSPENDED: (403, problems.SUSPENDED),
    Refusal.READ_ONLY: (403, problems.CANNOT_WRITE),
    Refusal.RATE_LIMITED: (429, problems.RATE_LIMITED),
}


def _v1_refusal(refused: Refused) -> HttpResponse:
    status, error = V1_REFUSALS.get(refused.reason, (401, problems.COULD_NOT_AUTHENTICATE))
    response = problems.v1_error(status, error)
    for name, value in refused.headers().items():
        response[name] = value
    return response


def _consent_page(
    request: HttpRequest, *, row: RequestToken, username: str, error: str = ""
) -> HttpResponse:
    context = {"app": row.app, "username": username, "error": error}
    return render(request, "botauth_sandbox/consent.html", context, status=400 if error else 200)


def _outcome(request: HttpRequest, outcome: consent.Outcome) -> HttpResponse:
    if outcome.redirect_to:
        return HttpResponseRedirect(outcome.redirect_to)
    if outcome.pin:
        return render(request, "botauth_sandbox/pin.html", {"pin": outcome.pin})
    return render(request, "botauth_sandbox/cancelled.html")


def _error_page(request: HttpRequest, title: str, message: str, *, status: int) -> HttpResponse:
    return render(
        request, "botauth_sandbox/error.html", {"title": title, "message": message}, status=status
    )
