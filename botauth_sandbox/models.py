from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

MAX_CALLBACKS = 10
username_validator = RegexValidator(
    r"^[A-Za-z0-9_]{1,15}$", "An X handle is 1 to 15 letters, digits or underscores."
)


def new_user_id() -> str:
    # X's ids are 64-bit snowflakes, usually 18 to 19 digits.
    return str(10**17 + secrets.randbelow(9 * 10**18))


class AccessLevel(models.TextChoices):
    READ = "read", "Read"
    READ_WRITE = "read-write", "Read and write"
    READ_WRITE_DIRECTMESSAGES = "read-write-directmessages", "Read, write and direct messages"


class SandboxApp(models.Model):
    name = models.CharField(max_length=100)
    key = models.CharField("consumer key", max_length=80, unique=True)
    secret = models.CharField("consumer secret", max_length=80)
    callback_urls = models.TextField(
        blank=True,
        help_text="One URL per line, matched exactly. Empty accepts any http(s) URL.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "sandbox app"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        callbacks = self.allowed_callbacks()
        if len(callbacks) > MAX_CALLBACKS:
            raise ValidationError({"callback_urls": f"X allows at most {MAX_CALLBACKS}."})
        for url in callbacks:
            if urlsplit(url).hostname == "localhost":
                raise ValidationError({"callback_urls": "X refuses localhost; use 127.0.0.1."})

    def allowed_callbacks(self) -> list[str]:
        return [line.strip() for line in self.callback_urls.splitlines() if line.strip()]

    def accepts_callback(self, url: str) -> bool:
        if url == "oob":
            return True
        allowed = self.allowed_callbacks()
        if allowed:
            return url in allowed
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.netloc)


class SandboxUser(models.Model):
    user_id = models.CharField(
        "X user id", max_length=20, unique=True, default=new_user_id, editable=False
    )
    username = models.CharField(max_length=15, validators=[username_validator])
    name = models.CharField("display name", max_length=50, blank=True)
    access_level = models.CharField(
        max_length=32, choices=AccessLevel.choices, default=AccessLevel.READ_WRITE
    )
    suspended = models.BooleanField(default=False)
    rate_limited = models.BooleanField(
        default=False, help_text="Every API call answers 429 Too Many Requests."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "sandbox X user"
        constraints = [
            models.UniqueConstraint(
                Lower("username"), name="botauth_sandbox_user_username_ci_unique"
            )
        ]

    def __str__(self) -> str:
        return f"@{self.username}"

    @property
    def display_name(self) -> str:
        return self.name or self.username


class RequestToken(models.Model):
    token = models.CharField(max_length=80, unique=True)
    secret = models.CharField(max_length=80)
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="request_tokens")
    callback = models.TextField()
    verifier = models.CharField(max_length=80, blank=True)
    user = models.ForeignKey(
        SandboxUser, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    used = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"request token for {self.app}"


class AccessToken(models.Model):
    token = models.CharField(max_length=120, unique=True)
    secret = models.CharField(max_length=80)
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="access_tokens")
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="access_tokens")
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # X hands a returning user the same pair, so there is one live pair per app and user.
            models.UniqueConstraint(
                fields=["app", "user"],
                condition=models.Q(revoked=False),
                name="botauth_sandbox_one_live_access_token",
            )
        ]

    def __str__(self) -> str:
        return f"access token of {self.user} for {self.app}"


class Nonce(models.Model):
    client_key = models.CharField(max_length=80)
    nonce = models.CharField(max_length=80)
    timestamp = models.BigIntegerField(db_index=True)
    token = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client_key", "nonce", "timestamp", "token"],
                name="botauth_sandbox_nonce_once",
            )
        ]

    def __str__(self) -> str:
        return f"nonce at {self.timestamp}"


class RateLimitWindow(models.Model):
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, related_name="+")
    resource = models.CharField(max_length=100)
    resets_at = models.DateTimeField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app", "user", "resource"], name="botauth_sandbox_one_window_per_resource"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource} for {self.user}"
