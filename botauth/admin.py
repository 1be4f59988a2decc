from __future__ import annotations

import re
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from botauth import conf, flows
from botauth.exceptions import BotauthConfigurationError
from botauth.models import BotAccount, BotAccountQuerySet
from botauth.verification import verify_accounts

SECRET_FIELDS = (
    "twitter_oauth_token_secret",
    "twitter_access_token",
    "twitter_access_token_secret",
    "twitter_refresh_token",
)
READONLY_FIELDS = (
    "status",
    "protocol",
    "access_token_expiry",
    "scopes",
    "twitter_username",
    "twitter_user_id",
    "access_level",
    "linked_by",
    "linked_at",
    "last_verified_at",
    "last_verification",
    "last_verification_detail",
    "rate_limit_reset_at",
    "link_started_by",
    "link_started_at",
)
BADGE_COLOURS: dict[str, str] = {
    BotAccount.Status.LINKED: "#2e7d32",
    BotAccount.Status.PENDING: "#9e6a03",
    BotAccount.Status.INVALID: "#c62828",
    BotAccount.Status.SUSPENDED: "#6a1b9a",
    BotAccount.Status.UNLINKED: "#616161",
}
# The changelist shows handles as @name, so people search for them that way.
HANDLE_AT = re.compile(r"(^|\s)@")


def link_choices() -> dict[str, str]:
    """The protocol the link button does not use (it follows the default), if configured too."""
    if not (conf.oauth1_configured() and conf.oauth2_configured()):
        return {}
    other = conf.OAUTH1 if conf.default_protocol() == conf.OAUTH2 else conf.OAUTH2
    return {
        "other_protocol": other,
        "other_protocol_label": str(dict(BotAccount.Protocol.choices)[other]),
    }


def report(request: HttpRequest, counts: dict[str, int]) -> None:
    summary = ", ".join(f"{n} {result}" for result, n in sorted(counts.items())) or "nothing"
    level = messages.SUCCESS if set(counts) <= {BotAccount.Verification.VALID} else messages.WARNING
    messages.add_message(request, level, f"Verified with X: {summary}.")


@admin.register(BotAccount)
class BotAccountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "name",
        "handle",
        "status_badge",
        "protocol",
        "access_level",
        "linked_at",
        "last_verified_at",
    ]
    list_filter = ["status", "protocol", "last_verification"]
    search_fields = ["name", "twitter_username"]
    actions = ["verify_selected"]
    fields = ["name", *READONLY_FIELDS]
    readonly_fields = READONLY_FIELDS
    change_form_template = "admin/botauth/botaccount/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[BotAccount]:
        # Deferred secrets are never decrypted for a page, and save() leaves them alone.
        return super().get_queryset(request).defer(*SECRET_FIELDS)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[BotAccount], search_term: str
    ) -> tuple[QuerySet[BotAccount], bool]:
        return super().get_search_results(request, queryset, HANDLE_AT.sub(r"\1", search_term))

    @admin.display(description="X handle", ordering="twitter_username")
    def handle(self, obj: BotAccount) -> str:
        return f"@{obj.twitter_username}" if obj.twitter_username else "—"

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: BotAccount) -> str:
        return format_html(
            '<span style="color:#fff;background:{};padding:1px 6px;border-radius:8px">{}</span>',
            BADGE_COLOURS.get(obj.status, "#616161"),
            obj.get_status_display(),
        )

    @admin.display(description=_("Access token expires"), ordering="token_expires_at")
    def access_token_expiry(self, obj: BotAccount) -> str:
        expires = obj.token_expires_at
        if obj.protocol != BotAccount.Protocol.OAUTH2 or expires is None:
            return "—"
        when = date_format(timezone.localtime(expires), "DATETIME_FORMAT")
        if obj.access_expired:
            return _("%(when)s (expired: needs a refresh)") % {"when": when}
        return _("%(when)s (in %(left)s)") % {"when": when, "left": timeuntil(expires)}

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **link_choices()}
        )

    @admin.action(description="Verify selected bot accounts with X", permissions=["change"])
    def verify_selected(self, request: HttpRequest, queryset: BotAccountQuerySet) -> None:
        linked = queryset.linked()
        try:
            report(request, verify_accounts(linked, concurrency=8, retries=1))
        except BotauthConfigurationError as err:
            messages.error(request, str(err))

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<path:object_id>/verify/",
                self.admin_site.admin_view(self.verify_view),
                name="botauth_botaccount_verify",
            ),
            path(
                "<path:object_id>/unlink/",
                self.admin_site.admin_view(self.unlink_view),
                name="botauth_botaccount_unlink",
            ),
        ]
        return extra + super().get_urls()

    def _account(self, request: HttpRequest, object_id: str) -> BotAccount:
        # get_object() turns a malformed id into None (a 404) instead of a ValueError (a 500).
        account: BotAccount | None = self.get_object(request, object_id)
        if account is None:
            raise Http404(f"No bot account with id {object_id!r}.")
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        return account

    def verify_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        account = self._account(request, object_id)
        if not account.is_linked:
            messages.error(request, f"“{account.name}” is not linked; link it with X first.")
        else:
            self.verify_selected(request, BotAccount.objects.filter(pk=account.pk))
        return redirect("admin:botauth_botaccount_change", account.pk)

    def unlink_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        account = self._account(request, object_id)
        if request.method == "POST":
            result = flows.unlink(account=BotAccount.objects.get(pk=account.pk))
            if result.revoked:
                messages.success(request, f"Unlinked “{account.name}”; X revoked its token.")
            elif not result.had_token:
                messages.success(request, f"Unlinked “{account.name}”; it had no X token.")
            else:
                messages.warning(
                    request,
                    f"Unlinked “{account.name}” and forgot its token, but X did not confirm the "
                    f"revocation ({result.reason}). Revoke the app in the bot's X settings "
                    "(Security and account access > Apps and sessions).",
                )
            return redirect("admin:botauth_botaccount_change", account.pk)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": f"Unlink {account.name}?",
            "account": account,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/botauth/botaccount/unlink_confirm.html", context)
