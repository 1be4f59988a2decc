from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from botauth import conf, flows, history, scopes, sites
from botauth.exceptions import BotauthConfigurationError, LinkError, XError, XUnavailableError
from botauth.labels import access_level_phrase, link_history
from botauth.models import BotAccount, can_post
from botauth.reporting import reports_safely


def change_url(account: BotAccount, request: HttpRequest) -> str:
    return sites.change_url(account, sites.bot_admin_site(request))


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def may_change(request: HttpRequest, account: BotAccount) -> bool:
    """The admin's own object-level answer, so that a custom ModelAdmin's rules apply here too."""
    try:
        model_admin = sites.bot_admin_site(request).get_model_admin(BotAccount)
    except NotRegistered:
        return request.user.has_perm("botauth.change_botaccount")
    return model_admin.has_change_permission(request, account)


def callback_url(request: HttpRequest) -> str:
    return conf.callback_url() or request.build_absolute_uri(
        reverse("botauth:authenticate_twitter_callback")
    )


@reports_safely
@require_http_methods(["GET", "POST"])
@staff_member_required
def authenticate_twitter(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        return link_button_instead(request, pk)
    if not request.user.has_perm("botauth.change_botaccount"):
        raise PermissionDenied
    account = get_object_or_404(BotAccount.objects.without_secrets(), pk=pk)
    if not may_change(request, account):
        raise PermissionDenied
    try:
        url = flows.start_link(
            account=account,
            user=request.user,
            callback=callback_url(request),
            session=request.session,
            protocol=request.POST.get("protocol", ""),
        )
    except LinkError as err:
        return error_page(request, str(err), status=err.status_code)
    except (XError, BotauthConfigurationError) as err:
        messages.error(
            request,
            gettext("Could not start linking “%(name)s” with X: %(error)s")
            % {"name": account.name, "error": err},
        )
        return redirect(safe_next(request, change_url(account, request)))
    return HttpResponseRedirect(url)


def link_button_instead(request: HttpRequest, pk: int) -> HttpResponse:
    # A bookmark or a middle-click must not start a flow (the start is a POST, CSRF-checked),
    # but it deserves a page, not an empty 405.
    if not (
        request.user.has_perm("botauth.change_botaccount")
        or request.user.has_perm("botauth.view_botaccount")
    ):
        raise PermissionDenied
    account = get_object_or_404(BotAccount, pk=pk)
    messages.info(
        request,
        gettext(
            "Linking with X starts from the “Link with X” button on this page, not from an "
            "address opened directly. Nothing was started."
        ),
    )
    return redirect(change_url(account, request))


def error_page(
    request: HttpRequest, message: str, *, status: int, account: BotAccount | None = None
) -> HttpResponse:
    site = sites.bot_admin_site(request)
    # The template's {% url 'admin:...' %} links go to this site.
    request.current_app = site.name
    context = {
        **site.each_context(request),
        "title": _("Linking with X did not complete"),
        "message": message,
        "retry": status in (502, 503),
        "account": account,
    }
    return TemplateResponse(request, "botauth/callback_error.html", context, status=status)


@reports_safely
@require_GET
@staff_member_required
def authenticate_twitter_callback(request: HttpRequest) -> HttpResponse:
    try:
        finished = flows.finish_link(
            query=request.GET,
            user=request.user,
            session=request.session,
            may_change=lambda account: may_change(request, account),
            callback=callback_url(request),
        )
    except LinkError as err:
        return error_page(request, str(err), status=err.status_code, account=err.account)
    except XUnavailableError as err:
        return error_page(request, nothing_changed(err), status=502)
    except (XError, BotauthConfigurationError) as err:
        return error_page(request, nothing_changed(err), status=400)
    account = finished.account
    if finished.cancelled:
        messages.warning(request, cancelled_message(account))
        return redirect(change_url(account, request))
    linked_message(request, account)
    history.record(
        user=request.user,
        accounts=[account],
        message=link_history(account, relink=finished.relinked),
    )
    return redirect(change_url(account, request))


def nothing_changed(err: Exception) -> str:
    return gettext("%(error)s Nothing was changed.") % {"error": err}


def cancelled_message(account: BotAccount) -> str:
    if account.is_linked and account.twitter_username:
        return gettext(
            "Authorization was cancelled on X; “%(name)s” is still linked to @%(handle)s."
        ) % {"name": account.name, "handle": account.twitter_username}
    return gettext("Authorization was cancelled on X; “%(name)s” was not linked.") % {
        "name": account.name
    }


def warn_about_scopes(request: HttpRequest, account: BotAccount) -> None:
    lacks = scopes.lacking(scopes.split(account.scopes))
    if lacks:
        messages.warning(
            request,
            gettext(
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


def linked_message(request: HttpRequest, account: BotAccount) -> None:
    names = {
        "handle": account.twitter_username,
        "level": access_level_phrase(account.access_level),
    }
    if account.protocol == BotAccount.Protocol.OAUTH2:
        # OAuth 2.0 has no access level: what the bot may do is in the scopes X granted.
        messages.success(request, gettext("Linked @%(handle)s") % names)
        warn_about_scopes(request, account)
    elif not account.access_level:
        messages.success(request, gettext("Linked @%(handle)s") % names)
    elif can_post(account.access_level):
        messages.success(request, gettext("Linked @%(handle)s with %(level)s access.") % names)
    else:
        messages.warning(
            request,
            gettext(
                "Linked @%(handle)s with %(level)s access: it cannot post. Give the X app "
                "“Read and write” permission in the developer portal, then re-link."
            )
            % names,
        )
