from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from botauth_sandbox.models import AccessToken, OAuth2Grant, SandboxApp, SandboxUser


@admin.register(SandboxApp)
class SandboxAppAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "key", "created_at"]
    search_fields = ["name", "key"]
    fields = ["name", "key", "secret", "callback_urls", "created_at"]
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: SandboxApp | None = None) -> list[str]:
        # The secret is a fake, so it may be read back, but never edited into drift.
        return ["secret", "created_at"] if obj else ["created_at"]


@admin.register(SandboxUser)
class SandboxUserAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["username", "name", "user_id", "access_level", "suspended", "rate_limited"]
    list_filter = ["suspended", "rate_limited", "access_level"]
    search_fields = ["username", "name", "user_id"]
    readonly_fields = ["user_id", "created_at"]
    actions = ["revoke_tokens", "suspend", "unsuspend", "rate_limit", "clear_rate_limit"]

    @admin.action(description="Revoke tokens")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        count = AccessToken.objects.filter(user__in=queryset, revoked=False).update(revoked=True)
        grants = OAuth2Grant.objects.filter(user__in=queryset).revoke()
        self.message_user(
            request,
            f"Revoked {count} access token(s) and {grants} OAuth 2.0 grant(s).",
            messages.SUCCESS,
        )

    @admin.action(description="Suspend")
    def suspend(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        self._flag(request, queryset, suspended=True)

    @admin.action(description="Unsuspend")
    def unsuspend(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        self._flag(request, queryset, suspended=False)

    @admin.action(description="Rate-limit")
    def rate_limit(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        self._flag(request, queryset, rate_limited=True)

    @admin.action(description="Clear rate limit")
    def clear_rate_limit(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        self._flag(request, queryset, rate_limited=False)

    def _flag(self, request: HttpRequest, queryset: QuerySet[SandboxUser], **flags: bool) -> None:
        count = queryset.update(**flags)
        self.message_user(request, f"Updated {count} sandbox user(s).", messages.SUCCESS)


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "app", "revoked", "created_at"]
    list_filter = ["revoked"]
    fields = ["user", "app", "revoked", "created_at"]
    readonly_fields = ["user", "app", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


from botauth_sandbox.oauth2 import admin as oauth2_admin  # noqa: E402, F401  (registers its models)
