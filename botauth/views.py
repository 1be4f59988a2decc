from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from botauth import conf, flows, scopes
from botauth.exceptions import BotauthConfigurationError, LinkError, XError, XUnavailableError
from botauth.models import BotAccount


def change_url(account: BotAccount) -> str:
    return reverse("admin:botauth_botaccount_change", args=[account.pk])


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def callback_url(request: HttpRequest) -> str:
    return conf.callback_url() or request.build_absolute_uri(
        reverse("botauth:authenticate_twitter_callback")
    )


@require_POST
@staff_member_required
def authenticate_twitter(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("botauth.change_botaccount"):
        raise PermissionDenied
    account = get_object_or_404(BotAccount, pk=pk)
    try:
        url = flows.start_link(
            account=account,
            user=request.user,
            callback=callback_url(request),
            protocol=request.POST.get("protocol", ""),
        )
    except LinkError as err:
        return error_page(request, str(err), status=err.status_code)
    except (XError, BotauthConfigurationError) as err:
        messages.error(request, f"Could not start linking “{account.name}” with X: {err}")
        return redirect(safe_next(request, change_url(account)))
    return HttpResponseRedirect(url)


def error_page(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Linking with X did not complete",
        "message": message,
        "retry": status == 502,
    }
    return TemplateResponse(request, "botauth/callback_error.html", context, status=status)


@require_GET
@staff_member_required
def authenticate_twitter_callback(request: HttpRequest) -> HttpResponse:
    try:
        finished = flows.finish_link(
            query=request.GET, user=request.user, callback=callback_url(request)
        )
    except LinkError as err:
        return error_page(request, str(err), status=err.status_code)
    except XUnavailableError as err:
        return error_page(request, f"{err} Nothing was changed.", status=502)
    except (XError, BotauthConfigurationError) as err:
        return error_page(request, f"{err} Nothing was changed.", status=400)
    account = finished.account
    if finished.cancelled:
        messages.warning(
            request, f"Authorization was cancelled on X; “{account.name}” was not linked."
        )
    else:
        messages.success(request, f"Linked @{account.twitter_username}")
        if account.protocol == BotAccount.Protocol.OAUTH2:
            warn_about_scopes(request, account)
    return redirect(change_url(account))


def warn_about_scopes(request: HttpRequest, account: BotAccount) -> None:
    lacks = scopes.lacking(scopes.split(account.scopes))
    if lacks:
        messages.warning(
            request,
            _(
                "X granted @%(username)s only %(granted)s: %(consequences)s. Add the missing "
                "scopes to BOTAUTH_OAUTH2_SCOPES (and the app's permissions in the developer "
                "portal), then re-link."
            )
            % {
                "username": account.twitter_username,
                "granted": account.scopes,
                "consequences": scopes.describe(lacks),
            },
        )
