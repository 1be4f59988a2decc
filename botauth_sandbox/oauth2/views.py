from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from botauth_sandbox.oauth2 import consent, scopes, server


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    uri = request.build_absolute_uri()
    try:
        checked = consent.check(uri=uri)
        if request.method == "GET":
            return _consent_page(request, checked)
        if request.POST.get("action") == "cancel":
            return _redirect(consent.cancel(uri=uri))
        username = request.POST.get("username", "").strip().lstrip("@")
        try:
            return _redirect(consent.approve(uri=uri, username=username))
        except ValidationError as err:
            return _consent_page(request, checked, username=username, error=err.messages[0])
    except consent.InvalidAuthorization as err:
        return _error_page(request, _("Invalid authorization request"), err.message, status=400)
    except consent.SuspendedUser:
        message = _("This sandbox account is suspended and cannot authorize apps.")
        return _error_page(request, _("Account suspended"), message, status=403)


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    uri, body, headers = _call(request)
    return _json(server.issue_token(uri=uri, body=body, headers=headers))


@csrf_exempt
@require_POST
def revoke(request: HttpRequest) -> HttpResponse:
    uri, body, headers = _call(request)
    return _json(server.revoke(uri=uri, body=body, headers=headers))


def _call(request: HttpRequest) -> tuple[str, str, dict[str, str]]:
    return (
        request.build_absolute_uri(),
        request.body.decode("utf-8", "replace"),
        dict(request.headers),
    )


def _json(answer: server.Answer) -> JsonResponse:
    return JsonResponse(answer.body, status=answer.status, headers=answer.headers)


def _redirect(location: str) -> HttpResponse:
    # Not HttpResponseRedirect: a native app's registered callback may use its own scheme.
    response = HttpResponse(status=302)
    response["Location"] = location
    return response


def _consent_page(
    request: HttpRequest, checked: consent.Authorization, *, username: str = "", error: str = ""
) -> HttpResponse:
    context = {
        "app": checked.client.app,
        "scopes": [(name, scopes.DESCRIPTIONS.get(name, "")) for name in checked.scopes],
        "username": username,
        "error": error,
    }
    status = 400 if error else 200
    return render(request, "botauth_sandbox/oauth2_consent.html", context, status=status)


def _error_page(request: HttpRequest, title: str, message: str, *, status: int) -> HttpResponse:
    context = {"title": title, "message": message}
    return render(request, "botauth_sandbox/error.html", context, status=status)
