from __future__ import annotations

import re
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timeuntil
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from botauth import conf, flows, history, labels, sites, views
from botauth.exceptions import BotauthConfigurationError, DecryptionError
from botauth.models import SECRET_FIELDS, BotAccount, BotAccountQuerySet
from botauth.reporting import reports_safely
from botauth.verification import Outcome, verify_accounts

# What identifies or unlocks a flow or a bot: never compared with a guess from a query string.
PRIVATE_FIELDS = frozenset({"twitter_oauth_token", *SECRET_FIELDS})
BADGE_COLOURS: dict[str, str] = {
    BotAccount.Status.LINKED: "#2e7d32",
    BotAccount.Status.PENDING: "#9e6a03",
    BotAccount.Status.INVALID: "#c62828",
    BotAccount.Status.SUSPENDED: "#6a1b9a",
    BotAccount.Status.UNLINKED: "#616161",
}
# The changelist shows handles as @name, so people search for them that way.
HANDLE_AT = re.compile(r"(^|\s)@")
SAVE_AND_LINK = "_savelink"
ADD_HELP = _(
    "Give the bot the name your code will use (BotAccount.objects.get(name=…)). The X account "
    "is linked after saving: “Save and link with X” takes you to X to approve it as the bot."
)


REPORTED_FAILURES = 5


def link_choices() -> dict[str, str]:
    """The protocol the link button does not use (it follows the default), if configured too."""
    if not (conf.oauth1_configured() and conf.oauth2_configured()):
        return {}
    other = conf.OAUTH1 if conf.default_protocol() == conf.OAUTH2 else conf.OAUTH2
    return {
        "other_protocol": other,
        "other_protocol_label": str(dict(BotAccount.Protocol.choices)[other]),
    }


def report(request: HttpRequest, outcomes: list[Outcome], *, skipped: int) -> None:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.result] = counts.get(outcome.result, 0) + 1
    resets = [o.rate_limit_reset_at for o in outcomes if o.rate_limit_reset_at is not None]
    text = labels.verification_summary(counts, skipped=skipped, reset_at=max(resets, default=None))
    ok = counts and set(counts) <= {BotAccount.Verification.VALID}
    messages.add_message(request, messages.SUCCESS if ok else messages.WARNING, text)
    # What went wrong, per bot, for the first few: "1 error" alone tells a person nothing.
    quiet = {BotAccount.Verification.VALID, BotAccount.Verification.RATE_LIMITED}
    failed = [o for o in outcomes if o.result not in quiet and o.detail]
    for outcome in failed[:REPORTED_FAILURES]:
        messages.warning(
            request,
            gettext("“%(name)s”: %(detail)s") % {"name": outcome.name, "detail": outcome.detail},
        )


@admin.register(BotAccount)
class BotAccountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "name",
        "handle",
        "status_badge",
        "protocol",
        "last_check",
        "access",
        "linked_at",
        "last_verified_at",
    ]
    list_filter = ["status", "protocol", "last_verification"]
    search_fields = ["name", "twitter_username"]
    actions = ["verify_selected"]
    readonly_fields = [
        "status_summary",
        "handle",
        "x_user_id",
        "protocol",
        "access",
        "access_token_expiry",
        "token_refreshed_at",
        "scopes",
        "linked_by",
        "linked_at",
        "last_check",
        "last_verified_at",
        "x_said",
        "last_seen_working_at",
        "unauthorized_since",
        "link_started_by",
        "link_started_at",
    ]
    change_form_template = "admin/botauth/botaccount/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[BotAccount]:
        # Deferred secrets are never decrypted for a page, and save() leaves them alone.
        return super().get_queryset(request).defer(*SECRET_FIELDS)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # Django allows any lookup on a local field: ?twitter_oauth_token__gte=... answered
        # "listed or not" per guess, which finds a pending request token in ~200 requests.
        if PRIVATE_FIELDS.intersection(lookup.split(LOOKUP_SEP)):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[BotAccount], search_term: str
    ) -> tuple[QuerySet[BotAccount], bool]:
        return super().get_search_results(request, queryset, HANDLE_AT.sub(r"\1", search_term))

    def get_fieldsets(self, request: HttpRequest, obj: BotAccount | None = None) -> Any:
        if obj is None:
            return [(None, {"fields": ["name"], "description": ADD_HELP})]
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ["name", "status_summary"]}),
            (
                _("X account"),
                {
                    "fields": [
                        "handle",
                        "x_user_id",
                        "protocol",
                        "access",
                        *(
                            ["access_token_expiry", "token_refreshed_at", "scopes"]
                            if obj.protocol == "oauth2"
                            else []
                        ),
                        "linked_by",
                        "linked_at",
                    ]
                },
            ),
            (
                _("Last check with X"),
                {
                    "fields": [
                        "last_check",
                        "last_verified_at",
                        "x_said",
                        "last_seen_working_at",
                        "unauthorized_since",
                    ]
                },
            ),
        ]
        if obj.link_started_at is not None:
            fieldsets.append(
                (_("Link in progress"), {"fields": ["link_started_by", "link_started_at"]})
            )
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: BotAccount | None = None) -> Any:
        return [] if obj is None else self.readonly_fields

    # What a person reads

    @admin.display(description=_("X handle"), ordering="twitter_username")
    def handle(self, obj: BotAccount) -> str:
        return f"@{obj.twitter_username}" if obj.twitter_username else "—"

    @admin.display(description=_("Status"), ordering="status")
    def status_badge(self, obj: BotAccount) -> str:
        return format_html(
            '<span style="color:#fff;background:{};padding:1px 6px;border-radius:8px">{}</span>',
            BADGE_COLOURS.get(obj.status, "#616161"),
            labels.status_label(obj.status),
        )

    @admin.display(description=_("Status"))
    def status_summary(self, obj: BotAccount) -> str:
        return labels.status_summary(obj)

    @admin.display(description=_("Last check"), ordering="last_verification")
    def last_check(self, obj: BotAccount) -> str:
        return labels.last_check(obj)

    @admin.display(description=_("X user id"))
    def x_user_id(self, obj: BotAccount) -> str:
        return obj.twitter_user_id or "—"

    @admin.display(description=_("What X said"))
    def x_said(self, obj: BotAccount) -> str:
        return obj.last_verification_detail or "—"

    @admin.display(description=_("Access level"), ordering="access_level")
    def access(self, obj: BotAccount) -> str:
        return labels.access(obj)

    @admin.display(description=_("Access token expires"), ordering="token_expires_at")
    def access_token_expiry(self, obj: BotAccount) -> str:
        expires = obj.token_expires_at
        if obj.protocol != BotAccount.Protocol.OAUTH2 or expires is None:
            return "—"
        when = date_format(timezone.localtime(expires), "DATETIME_FORMAT")
        if obj.access_expired:
            return gettext("%(when)s (expired: needs a refresh)") % {"when": when}
        return gettext("%(when)s (in %(left)s)") % {"when": when, "left": timeuntil(expires)}

    # Saving, then linking

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: BotAccount | None = None,
    ) -> HttpResponse:
        context["show_save_and_link"] = (add or (obj is not None and not obj.is_linked)) and (
            self.has_change_permission(request, obj)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(
        self, request: HttpRequest, obj: BotAccount, post_url_continue: str | None = None
    ) -> HttpResponse:
        self._link_after_save(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request: HttpRequest, obj: BotAccount) -> HttpResponse:
        self._link_after_save(request, obj)
        return super().response_change(request, obj)

    def _link_after_save(self, request: HttpRequest, obj: BotAccount) -> None:
        if SAVE_AND_LINK in request.POST:
            request.botauth_link_after_save = obj.pk  # type: ignore[attr-defined]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # The link button follows the default protocol; the other one is offered when configured.
        extra_context = {**(extra_context or {}), **link_choices()}
        response = super().changeform_view(request, object_id, form_url, extra_context)
        # Only now is the save committed: X is never called inside the admin's transaction
        # (on SQLite it holds the write lock a sandbox on the same database needs).
        pk = getattr(request, "botauth_link_after_save", None)
        if pk is None:
            return response
        account = BotAccount.objects.get(pk=pk)
        if not self.has_change_permission(request, account):
            messages.warning(request, gettext("You may add bot accounts but not link them with X."))
            return response
        request.current_app = self.admin_site.name
        return views.authenticate_twitter(request, pk=pk)

    # Verify, unlink

    @admin.action(description=_("Verify selected bot accounts with X"), permissions=["change"])
    def verify_selected(self, request: HttpRequest, queryset: BotAccountQuerySet) -> None:
        linked = queryset.linked()
        accounts = {a.name: a for a in linked.only("pk", "name", "twitter_username")}
        skipped = queryset.count() - len(accounts)
        outcomes: list[Outcome] = []
        if accounts:
            try:
                verify_accounts(linked, concurrency=8, retries=1, on_outcome=outcomes.append)
            except (BotauthConfigurationError, DecryptionError) as err:
                messages.error(request, str(err))
                return
        report(request, outcomes, skipped=skipped)
        entries: dict[str, list[BotAccount]] = {}
        for outcome in outcomes:
            text = labels.verified_history(
                outcome.result, outcome.detail, outcome.rate_limit_reset_at
            )
            if outcome.name in accounts:
                entries.setdefault(text, []).append(accounts[outcome.name])
        for text, group in entries.items():
            history.record(user=request.user, accounts=group, message=text)

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
        # Every page of this admin, "Verify selected" included, reports a crash safely.
        return [
            URLPattern(p.pattern, reports_safely(p.callback), p.default_args, p.name)
            for p in extra + super().get_urls()
        ]

    def _account(self, request: HttpRequest, object_id: str) -> BotAccount:
        # get_object() turns a malformed id into None (a 404) instead of a ValueError (a 500).
        account: BotAccount | None = self.get_object(request, object_id)
        if account is None:
            raise Http404(gettext("No bot account with id “%(id)s”.") % {"id": object_id})
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        return account

    def verify_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        account = self._account(request, object_id)
        if not account.is_linked:
            messages.error(
                request,
                gettext("“%(name)s” is not linked; link it with X first.") % {"name": account.name},
            )
        else:
            self.verify_selected(request, BotAccount.objects.filter(pk=account.pk))
        return redirect(sites.change_url(account, self.admin_site))

    def unlink_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        account = self._account(request, object_id)
        if request.method == "POST":
            handle = account.twitter_username
            # The admin's rows defer the secrets: a token that cannot be decrypted is forgotten.
            result = flows.unlink(account=account)
            names = {"name": account.name, "reason": result.reason}
            if result.revoked:
                messages.success(
                    request, gettext("Unlinked “%(name)s”; X revoked its token.") % names
                )
            elif not result.had_token:
                messages.success(
                    request, gettext("Unlinked “%(name)s”; it had no X token.") % names
                )
            else:
                messages.warning(
                    request,
                    gettext(
                        "Unlinked “%(name)s” and forgot its token, but X did not confirm the "
                        "revocation (%(reason)s). Revoke the app in the bot's X settings "
                        "(Security and account access > Apps and sessions)."
                    )
                    % names,
                )
            history.record(
                user=request.user,
                accounts=[account],
                message=labels.unlink_history(
                    handle, revoked=result.revoked, had_token=result.had_token, reason=result.reason
                ),
            )
            return redirect(sites.change_url(account, self.admin_site))
        request.current_app = self.admin_site.name
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": gettext("Unlink “%(name)s” from X") % {"name": account.name},
            "account": account,
            "access": labels.access(account),
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/botauth/botaccount/unlink_confirm.html", context)
