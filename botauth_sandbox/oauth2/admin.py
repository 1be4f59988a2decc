"""The admin's view of OAuth 2.0: clients, and each user's grants with their tokens' prefixes."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from botauth_sandbox.models import OAuth2Client, OAuth2Grant, OAuth2GrantQuerySet, OAuth2Token


@admin.register(OAuth2Client)
class OAuth2ClientAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["app", "client_id", "public", "created_at"]
    search_fields = ["app__name", "client_id"]
    fields = ["app", "client_id", "client_secret", "public", "created_at"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: OAuth2Client | None = None
    ) -> list[str]:
        # Like the consumer secret: a fake that may be read back, never edited into drift.
        return ["client_id", "client_secret", "created_at"] if obj else ["created_at"]


TOKEN_FIELDS = ("access", "expires_at", "refresh", "refreshed", "revoked", "created_at")
GRANT_FIELDS = (
    "user",
    "app",
    "scopes",
    "redirect_uri",
    "code_challenge_method",
    "code_used",
    "revoked",
    "created_at",
)


class OAuth2TokenInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OAuth2Token
    fields = TOKEN_FIELDS
    readonly_fields = TOKEN_FIELDS
    extra = 0
    can_delete = False
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("access token"))
    def access(self, token: OAuth2Token) -> str:
        return f"{token.access_prefix}…"

    @admin.display(description=_("refresh token"))
    def refresh(self, token: OAuth2Token) -> str:
        return f"{token.refresh_prefix}…" if token.refresh_prefix else "—"


@admin.register(OAuth2Grant)
class OAuth2GrantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "app", "scopes", "code_used", "revoked", "created_at"]
    list_filter = ["revoked", "code_used", "app"]
    list_select_related = ["user", "app"]
    search_fields = ["user__username", "user__user_id", "app__name"]
    fields = GRANT_FIELDS
    readonly_fields = GRANT_FIELDS
    inlines = [OAuth2TokenInline]
    actions = ["revoke_grants"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke grants and their tokens"))
    def revoke_grants(self, request: HttpRequest, queryset: OAuth2GrantQuerySet) -> None:
        count = queryset.revoke()
        message = ngettext(
            "Revoked %(count)d OAuth 2.0 grant.", "Revoked %(count)d OAuth 2.0 grants.", count
        ) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)
