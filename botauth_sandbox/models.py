from __future__ import annotations

import base64
import secrets
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


# OAuth 2.0 (Authorization Code with PKCE). Token values are never stored: a row keeps the
# SHA-256 of each value, to find it, and a short prefix, to recognise it in the admin.


def new_client_id() -> str:
    # X's Client IDs are base64 of "<26 random characters>:1:ci".
    return _x_shaped(secrets.token_urlsafe(20)[:26], "1:ci")


def new_client_secret() -> str:
    return secrets.token_urlsafe(38)[:50]


def _x_shaped(random_part: str, suffix: str) -> str:
    return base64.b64encode(f"{random_part}:{suffix}".encode()).decode().rstrip("=")


class OAuth2Client(models.Model):
    app = models.OneToOneField(
        SandboxApp,
        on_delete=models.CASCADE,
        related_name="oauth2_client",
        verbose_name=_("sandbox app"),
        help_text=_("Its callback URL list is the one OAuth 2.0 redirect_uri must match."),
    )
    client_id = models.CharField(_("Client ID"), max_length=80, unique=True, default=new_client_id)
    client_secret = models.CharField(
        _("Client Secret"), max_length=80, blank=True, default=new_client_secret
    )
    public = models.BooleanField(
        _("public client"),
        default=False,
        help_text=_(
            "X's Native App or Single page App: no secret, client_id in the body. Otherwise a "
            "confidential client (Web App, Automated App or Bot) authenticating with HTTP Basic."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("OAuth 2.0 client")

    def __str__(self) -> str:
        return f"OAuth 2.0 client of {self.app}"


class CodeChallengeMethod(models.TextChoices):
    S256 = "S256", "S256"
    PLAIN = "plain", "plain"


class OAuth2GrantQuerySet(models.QuerySet["OAuth2Grant"]):
    def revoke(self) -> int:
        """Revoke these grants and every token issued under them; return how many grants."""
        count = self.filter(revoked=False).update(revoked=True)
        OAuth2Token.objects.filter(grant__in=self, revoked=False).update(revoked=True)
        return count


class OAuth2Grant(models.Model):
    """One consent by a sandbox user: its authorization code, then the tokens issued under it."""

    app = models.ForeignKey(
        SandboxApp, on_delete=models.CASCADE, related_name="oauth2_grants", verbose_name=_("app")
    )
    user = models.ForeignKey(
        SandboxUser,
        on_delete=models.CASCADE,
        related_name="oauth2_grants",
        verbose_name=_("sandbox X user"),
    )
    scopes = models.CharField(_("scopes"), max_length=500)
    redirect_uri = models.TextField(_("redirect URI"))
    code_digest = models.CharField(_("code SHA-256"), max_length=64, unique=True, editable=False)
    code_challenge = models.CharField(_("PKCE code challenge"), max_length=128)
    code_challenge_method = models.CharField(
        _("PKCE method"), max_length=5, choices=CodeChallengeMethod.choices
    )
    code_used = models.BooleanField(_("code exchanged"), default=False)
    revoked = models.BooleanField(_("revoked"), default=False)
    created_at = models.DateTimeField(_("code issued at"), default=timezone.now)

    objects = OAuth2GrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("OAuth 2.0 grant")

    def __str__(self) -> str:
        return f"OAuth 2.0 grant of {self.user} to {self.app}"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class OAuth2Token(models.Model):
    """An access token and, with offline.access, its single-use refresh token."""

    grant = models.ForeignKey(
        OAuth2Grant, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("grant")
    )
    # The grant's app and user again, so that API calls and rate-limit windows take an OAuth 2.0
    # token exactly as they take an OAuth 1.0a AccessToken.
    app = models.ForeignKey(
        SandboxApp, on_delete=models.CASCADE, related_name="+", verbose_name=_("app")
    )
    user = models.ForeignKey(
        SandboxUser,
        on_delete=models.CASCADE,
        related_name="oauth2_tokens",
        verbose_name=_("sandbox X user"),
    )
    scopes = models.CharField(_("scopes"), max_length=500)
    access_digest = models.CharField(
        _("access token SHA-256"), max_length=64, unique=True, editable=False
    )
    access_prefix = models.CharField(_("access token starts with"), max_length=8, editable=False)
    expires_at = models.DateTimeField(_("access token expires at"))
    # NULL, not "": unique, and a token issued without offline.access has no refresh token.
    refresh_digest = models.CharField(  # noqa: DJ001
        _("refresh token SHA-256"), max_length=64, unique=True, null=True, editable=False
    )
    refresh_prefix = models.CharField(
        _("refresh token starts with"), max_length=8, blank=True, editable=False
    )
    refresh_expires_at = models.DateTimeField(_("refresh token expires at"), null=True)
    refreshed = models.BooleanField(
        _("refresh token used"),
        default=False,
        help_text=_("X's refresh tokens are single use: a refresh replaces this row."),
    )
    revoked = models.BooleanField(_("revoked"), default=False)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("OAuth 2.0 token")

    def __str__(self) -> str:
        return f"OAuth 2.0 token {self.access_prefix}… of {self.user} for {self.app}"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


# What an API call authenticates as: an OAuth 1.0a pair or an OAuth 2.0 user token.
UserCredential = AccessToken | OAuth2Token
