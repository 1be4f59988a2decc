from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from botauth_sandbox.models import AccessToken, Media, OAuth2Grant, Post, SandboxApp, SandboxUser


@admin.register(SandboxApp)
class SandboxAppAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "key", "created_at"]
    search_fields = ["name", "key"]
    fields = ["name", "key", "secret", "callback_urls", "created_at"]
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: SandboxApp | None = None) -> list[str]:
        # The secret is a fake, so it may be read back, but never edited into drift.
        return ["secret", "created_at"] if obj else ["created_at"]


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PostInline(ReadOnlyInline):
    model = Post
    fields = ("post_id", "text", "media_ids", "in_reply_to_id", "quote_of_id", "created_at")
    readonly_fields = fields
    ordering = ["-created_at"]
    verbose_name_plural = _("posts (newest first)")


class MediaInline(ReadOnlyInline):
    model = Media
    fk_name = "owner"
    fields = ("media_id", "media_category", "media_type", "total_bytes", "state", "created_at")
    readonly_fields = fields
    ordering = ["-created_at"]
    verbose_name_plural = _("uploaded media (newest first)")


@admin.register(SandboxUser)
class SandboxUserAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "username",
        "name",
        "user_id",
        "access_level",
        "suspended",
        "rate_limited",
        "media_processing_fails",
    ]
    list_filter = ["suspended", "rate_limited", "access_level", "media_processing_fails"]
    search_fields = ["username", "name", "user_id"]
    readonly_fields = ["user_id", "created_at"]
    inlines = [PostInline, MediaInline]
    actions = [
        "revoke_tokens",
        "suspend",
        "unsuspend",
        "rate_limit",
        "clear_rate_limit",
        "fail_media_processing",
        "pass_media_processing",
    ]

    def get_inlines(self, request: HttpRequest, obj: SandboxUser | None) -> list[type[Any]]:
        # A user being added has no posts yet, and the add form stays a plain form.
        return list(self.inlines) if obj is not None else []

    @admin.action(description=_("Revoke tokens"))
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        count = AccessToken.objects.filter(user__in=queryset, revoked=False).update(revoked=True)
        grants = OAuth2Grant.objects.filter(user__in=queryset).revoke()
        tokens = ngettext("%(count)d access token", "%(count)d access tokens", count) % {
            "count": count
        }
        revoked = ngettext(
            "Revoked %(tokens)s and %(grants)d OAuth 2.0 grant.",
            "Revoked %(tokens)s and %(grants)d OAuth 2.0 grants.",
            grants,
        ) % {"tokens": tokens, "grants": grants}
        self.message_user(request, revoked, messages.SUCCESS)

    @admin.action(description=_("Suspend"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        self._flag(request, queryset, suspended=True)

    @admin.action(description=_("Unsuspend"))
    def unsuspend(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        self._flag(request, queryset, suspended=False)

    @admin.action(description=_("Rate-limit"))
    def rate_limit(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        self._flag(request, queryset, rate_limited=True)

    @admin.action(description=_("Clear rate limit"))
    def clear_rate_limit(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        self._flag(request, queryset, rate_limited=False)

    @admin.action(description=_("Make video and GIF processing fail"))
    def fail_media_processing(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        self._flag(request, queryset, media_processing_fails=True)

    @admin.action(description=_("Let video and GIF processing succeed"))
    def pass_media_processing(self, request: HttpRequest, queryset: QuerySet[SandboxUser]) -> None:
        self._flag(request, queryset, media_processing_fails=False)

    def _flag(self, request: HttpRequest, queryset: QuerySet[SandboxUser], **flags: bool) -> None:
        count = queryset.update(**flags)
        updated = ngettext(
            "Updated %(count)d sandbox user.", "Updated %(count)d sandbox users.", count
        ) % {"count": count}
        self.message_user(request, updated, messages.SUCCESS)


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "app", "revoked", "created_at"]
    list_filter = ["revoked"]
    fields = ["user", "app", "revoked", "created_at"]
    readonly_fields = ["user", "app", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["post_id", "author", "text", "created_at"]
    list_filter = ["author"]
    search_fields = ["post_id", "text", "author__username"]
    readonly_fields = ["post_id", "created_at"]
    list_select_related = ["author"]


@admin.register(Media)
class MediaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["media_id", "owner", "media_category", "total_bytes", "state", "created_at"]
    list_filter = ["owner", "media_category", "state"]
    search_fields = ["media_id", "owner__username"]
    readonly_fields = [
        "media_id",
        "total_bytes",
        "received_bytes",
        "segments",
        "digest",
        "width",
        "height",
        "created_at",
        "finalized_at",
    ]
    list_select_related = ["owner"]


from botauth_sandbox.oauth2 import admin as oauth2_admin  # noqa: E402, F401  (registers its models)
