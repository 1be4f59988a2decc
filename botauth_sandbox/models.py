from __future__ import annotations

import base64
import secrets
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_CALLBACKS = 10
username_validator = RegexValidator(
    r"^[A-Za-z0-9_]{1,15}$", _("An X handle is 1 to 15 letters, digits or underscores.")
)


def new_user_id() -> str:
    # X's ids are 64-bit snowflakes, usually 18 to 19 digits.
    return str(10**17 + secrets.randbelow(9 * 10**18))


TWITTER_EPOCH_MS = 1288834974657


def new_snowflake() -> str:
    """A post or media id shaped like X's: milliseconds since X's epoch, then 22 random bits.

    Ids grow with time, as X's do, so sorting by id sorts by creation.
    """
    millis = int(timezone.now().timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((millis << 22) | secrets.randbits(22))


class AccessLevel(models.TextChoices):
    READ = "read", _("Read")
    READ_WRITE = "read-write", _("Read and write")
    READ_WRITE_DIRECTMESSAGES = "read-write-directmessages", _("Read, write and direct messages")


class SandboxApp(models.Model):
    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(
        _("consumer key"), max_length=80, unique=True, help_text=_("What X calls the API Key.")
    )
    secret = models.CharField(
        _("consumer secret"), max_length=80, help_text=_("What X calls the API Key Secret.")
    )
    callback_urls = models.TextField(
        _("callback URLs"),
        blank=True,
        help_text=_(
            "X's Callback URI / Redirect URL list: one URL per line, matched exactly. Empty "
            "accepts any http(s) URL."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox app")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        callbacks = self.allowed_callbacks()
        if len(callbacks) > MAX_CALLBACKS:
            raise ValidationError(
                {"callback_urls": gettext("X allows at most %(max)d.") % {"max": MAX_CALLBACKS}}
            )
        for url in callbacks:
            if urlsplit(url).hostname == "localhost":
                raise ValidationError(
                    {"callback_urls": gettext("X refuses localhost; use 127.0.0.1.")}
                )

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
        _("X user id"),
        max_length=20,
        unique=True,
        default=new_user_id,
        editable=False,
        help_text=_("X's id of the account (id in the API, user_id in OAuth 1.0a)."),
    )
    username = models.CharField(
        _("X handle"),
        max_length=15,
        validators=[username_validator],
        help_text=_("X's username (screen_name in OAuth 1.0a), without the @."),
    )
    name = models.CharField(
        _("display name"),
        max_length=50,
        blank=True,
        help_text=_("X's name: the one shown above the handle."),
    )
    access_level = models.CharField(
        _("access level"),
        max_length=32,
        choices=AccessLevel.choices,
        default=AccessLevel.READ_WRITE,
        help_text=_("What the sandbox reports in x-access-level for this user's tokens."),
    )
    suspended = models.BooleanField(
        _("suspended"),
        default=False,
        help_text=_("Every API call answers as X does for a suspended account."),
    )
    rate_limited = models.BooleanField(
        _("rate limited"),
        default=False,
        help_text=_("Every API call answers 429 Too Many Requests."),
    )
    media_processing_fails = models.BooleanField(
        _("media processing fails"),
        default=False,
        help_text=_("Video and GIF uploads end in the 'failed' processing state."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox X user")
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
    token = models.CharField(
        _("request token"), max_length=80, unique=True, help_text=_("X's oauth_token.")
    )
    secret = models.CharField(
        _("request token secret"), max_length=80, help_text=_("X's oauth_token_secret.")
    )
    app = models.ForeignKey(
        SandboxApp,
        on_delete=models.CASCADE,
        related_name="request_tokens",
        verbose_name=_("sandbox app"),
    )
    callback = models.TextField(
        _("callback"), help_text=_("X's oauth_callback; “oob” for the PIN flow.")
    )
    verifier = models.CharField(
        _("verifier"),
        max_length=80,
        blank=True,
        help_text=_("X's oauth_verifier: the PIN of the PIN flow."),
    )
    user = models.ForeignKey(
        SandboxUser,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("sandbox X user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    used = models.BooleanField(_("used"), default=False)

    class Meta:
        verbose_name = _("request token")

    def __str__(self) -> str:
        return gettext("request token for %(app)s") % {"app": self.app}


class AccessToken(models.Model):
    token = models.CharField(
        _("access token"), max_length=120, unique=True, help_text=_("X's Access Token.")
    )
    secret = models.CharField(
        _("access token secret"), max_length=80, help_text=_("X's Access Token Secret.")
    )
    app = models.ForeignKey(
        SandboxApp,
        on_delete=models.CASCADE,
        related_name="access_tokens",
        verbose_name=_("sandbox app"),
    )
    user = models.ForeignKey(
        SandboxUser,
        on_delete=models.CASCADE,
        related_name="access_tokens",
        verbose_name=_("sandbox X user"),
    )
    revoked = models.BooleanField(_("revoked"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("access token")
        constraints = [
            # X hands a returning user the same pair, so there is one live pair per app and user.
            models.UniqueConstraint(
                fields=["app", "user"],
                condition=models.Q(revoked=False),
                name="botauth_sandbox_one_live_access_token",
            )
        ]

    def __str__(self) -> str:
        return gettext("access token of %(user)s for %(app)s") % {
            "user": self.user,
            "app": self.app,
        }


class Nonce(models.Model):
    client_key = models.CharField(
        _("consumer key"), max_length=80, help_text=_("X's oauth_consumer_key.")
    )
    nonce = models.CharField(_("nonce"), max_length=80, help_text=_("X's oauth_nonce."))
    timestamp = models.BigIntegerField(
        _("timestamp"), db_index=True, help_text=_("X's oauth_timestamp.")
    )
    token = models.CharField(
        _("token"),
        max_length=120,
        blank=True,
        help_text=_("X's oauth_token; empty when a request token is asked for."),
    )

    class Meta:
        verbose_name = _("nonce")
        constraints = [
            models.UniqueConstraint(
                fields=["client_key", "nonce", "timestamp", "token"],
                name="botauth_sandbox_nonce_once",
            )
        ]

    def __str__(self) -> str:
        return gettext("nonce at %(timestamp)s") % {"timestamp": self.timestamp}


class RateLimitWindow(models.Model):
    app = models.ForeignKey(
        SandboxApp, on_delete=models.CASCADE, related_name="+", verbose_name=_("sandbox app")
    )
    user = models.ForeignKey(
        SandboxUser, on_delete=models.CASCADE, related_name="+", verbose_name=_("sandbox X user")
    )
    resource = models.CharField(
        _("endpoint"), max_length=100, help_text=_("The endpoint X counts requests for.")
    )
    resets_at = models.DateTimeField(_("resets at"), help_text=_("X's x-rate-limit-reset."))
    used = models.PositiveIntegerField(
        _("requests used"),
        default=0,
        help_text=_(
            "Used of X's x-rate-limit-limit; X reports the rest as x-rate-limit-remaining."
        ),
    )

    class Meta:
        verbose_name = _("rate limit window")
        constraints = [
            models.UniqueConstraint(
                fields=["app", "user", "resource"], name="botauth_sandbox_one_window_per_resource"
            )
        ]

    def __str__(self) -> str:
        return gettext("%(endpoint)s for %(user)s") % {"endpoint": self.resource, "user": self.user}


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
        return gettext("OAuth 2.0 client of %(app)s") % {"app": self.app}


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
        return gettext("OAuth 2.0 grant of %(user)s to %(app)s") % {
            "user": self.user,
            "app": self.app,
        }

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
        return gettext("OAuth 2.0 token %(prefix)s… of %(user)s for %(app)s") % {
            "prefix": self.access_prefix,
            "user": self.user,
            "app": self.app,
        }

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


# What an API call authenticates as: an OAuth 1.0a pair or an OAuth 2.0 user token.
UserCredential = AccessToken | OAuth2Token


class Post(models.Model):
    """A post (tweet) a sandbox user made through POST /2/tweets; deleting it removes the row."""

    post_id = models.CharField(
        _("post id"), max_length=20, unique=True, default=new_snowflake, editable=False
    )
    author = models.ForeignKey(
        SandboxUser, on_delete=models.CASCADE, related_name="posts", verbose_name=_("author")
    )
    text = models.TextField(_("text"), blank=True)
    media_ids = models.JSONField(
        _("media ids"), default=list, blank=True, help_text=_("X's media ids, as strings.")
    )
    in_reply_to_id = models.CharField(
        _("in reply to"),
        max_length=20,
        blank=True,
        help_text=_("The post id this replies to (X's reply.in_reply_to_tweet_id)."),
    )
    quote_of_id = models.CharField(
        _("quote of"),
        max_length=20,
        blank=True,
        help_text=_("The post id this quotes (X's quote_tweet_id)."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("sandbox post")
        ordering = ["created_at", "post_id"]

    def __str__(self) -> str:
        return gettext("post %(post_id)s by %(author_id)s") % {
            "post_id": self.post_id,
            "author_id": self.author_id,
        }


class MediaState(models.TextChoices):
    UPLOADING = "uploading", _("Uploading (not finalized)")
    PENDING = "pending", _("Pending")
    IN_PROGRESS = "in_progress", _("In progress")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Media(models.Model):
    """An upload through /2/media/upload. The bytes are not kept: only their size and digest."""

    media_id = models.CharField(
        _("media id"), max_length=20, unique=True, default=new_snowflake, editable=False
    )
    owner = models.ForeignKey(
        SandboxUser, on_delete=models.CASCADE, related_name="media", verbose_name=_("owner")
    )
    additional_owners = models.JSONField(
        _("additional owners"),
        default=list,
        blank=True,
        help_text=_("User ids that may also attach this media."),
    )
    media_category = models.CharField(_("media category"), max_length=20)
    media_type = models.CharField(_("media type"), max_length=40, blank=True)
    total_bytes = models.BigIntegerField(
        _("total bytes"), help_text=_("The size announced at initialize (or uploaded at once).")
    )
    received_bytes = models.BigIntegerField(_("received bytes"), default=0)
    segments = models.JSONField(
        _("segments"),
        default=dict,
        blank=True,
        help_text=_("Appended segments: index to [size, sha256 of the segment]."),
    )
    digest = models.CharField(
        _("digest"),
        max_length=64,
        blank=True,
        help_text=_(
            "sha256 of the bytes of a one-shot upload; of the segments' sha256 digests in "
            "index order for a chunked one."
        ),
    )
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=MediaState.choices, default=MediaState.UPLOADING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox media")
        verbose_name_plural = _("sandbox media")
        ordering = ["created_at", "media_id"]

    def __str__(self) -> str:
        return f"{self.media_category} {self.media_id}"
