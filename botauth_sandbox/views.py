from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from botauth_sandbox import calls, consent, problems, provider
from botauth_sandbox.calls import Refusal, Refused
from botauth_sandbox.models import RequestToken

INVALID_TOKEN_MESSAGE = "This request token is unknown, expired or used. Start again from the app."
SUSPENDED_MESSAGE = "This sandbox account is suspended and cannot authorize apps."


@csrf_exempt
@require_POST
def request_token(request: HttpRequest) -> HttpResponse:
    return _token_response(provider.issue_request_token(provider.signed(request)))


@csrf_exempt
@require_POST
def access_token(request: HttpRequest) -> HttpResponse:
    return _token_response(provider.issue_access_token(provider.signed(request)))


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
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
        return _error_page(request, "Invalid request token", INVALID_TOKEN_MESSAGE, status=400)
    except consent.SuspendedUser:
        return _error_page(request, "Account suspended", SUSPENDED_MESSAGE, status=403)


@require_GET
def users_me(request: HttpRequest) -> HttpResponse:
    try:
        call = calls.admit(request, resource="2/users/me")
    except Refused as refused:
        return _v2_refusal(refused)
    user = call.token.user
    data = {"id": user.user_id, "name": user.display_name, "username": user.username}
    return JsonResponse({"data": data}, headers=call.headers())


@require_GET
def verify_credentials(request: HttpRequest) -> HttpResponse:
    try:
        call = calls.admit(request, resource="1.1/account/verify_credentials")
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
    return JsonResponse(body, headers=call.headers())


@csrf_exempt
@require_POST
def invalidate_token(request: HttpRequest) -> HttpResponse:
    try:
        token = calls.revoke(request)
    except Refused as refused:
        return _v1_refusal(refused)
    return JsonResponse({"access_token": token.token})


def _token_response(result: provider.EndpointResult) -> HttpResponse:
    if result.status == 200:
        return HttpResponse(result.body, content_type="application/x-www-form-urlencoded")
    if result.error == provider.CallbackNotApproved.error:
        return problems.v1_error(403, problems.CALLBACK_NOT_APPROVED)
    return problems.v1_error(401, problems.COULD_NOT_AUTHENTICATE)


def _v1_refusal(refused: Refused) -> HttpResponse:
    if refused.reason is Refusal.SUSPENDED:
        return problems.v1_error(403, problems.SUSPENDED)
    if refused.reason is Refusal.RATE_LIMITED:
        response = problems.v1_error(429, problems.RATE_LIMITED)
        return _with_quota(response, refused)
    if refused.reason is Refusal.BAD_TOKEN:
        return problems.v1_error(401, problems.INVALID_TOKEN)
    return problems.v1_error(401, problems.COULD_NOT_AUTHENTICATE)


def _v2_refusal(refused: Refused) -> HttpResponse:
    if refused.reason is Refusal.SUSPENDED:
        return problems.v2_problem(403, problems.SUSPENDED[1])
    if refused.reason is Refusal.RATE_LIMITED:
        return _with_quota(problems.v2_problem(429), refused)
    if refused.reason is Refusal.INSUFFICIENT_SCOPE:
        # What X answers an OAuth 2.0 token lacking a scope the endpoint needs.
        return problems.v2_problem(403)
    return problems.v2_problem(401)


def _with_quota(response: HttpResponse, refused: Refused) -> HttpResponse:
    if refused.quota is not None:
        for name, value in refused.quota.headers().items():
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
