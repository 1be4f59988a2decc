from __future__ import annotations

from datetime import datetime
from typing import Any

import tweepy
from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from botauth import conf, health
from botauth.client import BotClient
from botauth.exceptions import NotLinkedError
from botauth.fields import EncryptedTextField
from botauth.transport import XSession

# The fields a pending link flow lives in, and what each holds when there is none.
PENDING_CLEARED: dict[str, Any] = {
    "twitter_oauth_token": "",
    "twitter_oauth_token_secret": "",
    "link_protocol": "",
    "link_started_by": None,
    "link_started_at": None,
    "link_session_hash": "",
}
# The access pair and everything learned with it, and what each holds when there is none.
ACCESS_CLEARED: dict[str, Any] = {
    "twitter_access_token": "",
    "twitter_access_token_secret": "",
    "twitter_refresh_token": "",
    "token_expires_at": None,
    "token_refreshed_at": None,
    "scopes": "",
    "protocol": "",
    "twitter_user_id": "",
    "twitter_username": "",
    "access_level": "",
    "linked_by": None,
    "linked_at": None,
    "last_verified_at": None,
    "last_verification": "",
    "last_verification_detail": "",
    "rate_limit_reset_at": None,
    "last_seen_working_at": None,
    "unauthorized_since": None,
}
SECRET_FIELDS = (
    "twitter_oauth_token_secret",
    "twitter_access_token",
    "twitter_access_token_secret",
    "twitter_refresh_token",
)


class BotAccountQuerySet(models.QuerySet["BotAccount"]):
    def linked(self) -> BotAccountQuerySet:
        """Accounts with a stored access pair (even one X has since rejected)."""
        return self.filter(status__in=LINKED_STATUSES)

    def not_linked(self) -> BotAccountQuerySet:
        """Accounts with no stored access pair (unlinked, or a first link still pending)."""
        return self.exclude(status__in=LINKED_STATUSES)

    def without_secrets(self) -> BotAccountQuerySet:
        """Rows whose tokens are not read: nothing is decrypted, and save() leaves them alone."""
        return self.defer(*SECRET_FIELDS)

    def abandoned(self) -> BotAccountQuerySet:
        """Accounts whose pending flow is older than BOTAUTH_PENDING_TTL (or lost its start)."""
        cutoff = timezone.now() - conf.pending_ttl()
        flow = ~Q(twitter_oauth_token="") | Q(status=BotAccount.Status.PENDING)
        return self.filter(flow, Q(link_started_at__lt=cutoff) | Q(link_started_at__isnull=True))

    def clear_pending(self) -> int:
        """End these accounts' pending flows; each status goes back to what its stored pair says."""
        return self.update(
            **PENDING_CLEARED,
            status=Case(
                When(status__in=LINKED_STATUSES, then=F("status")),
                default=Value(BotAccount.Status.UNLINKED),
            ),
            updated_at=timezone.now(),
        )


class BotAccount(models.Model):
    class Protocol(models.TextChoices):
        OAUTH1 = "oauth1", _("OAuth 1.0a")
        OAUTH2 = "oauth2", _("OAuth 2.0")

    class Status(models.TextChoices):
        UNLINKED = "unlinked", _("Unlinked")
        PENDING = "pending", _("Pending")
        LINKED = "linked", _("Linked")
        INVALID = "invalid", _("Invalid")
        SUSPENDED = "suspended", _("Suspended")

    class Verification(models.TextChoices):
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Invalid (401)")
        SUSPENDED = "suspended", _("Suspended (403)")
        RATE_LIMITED = "rate_limited", _("Rate limited (429)")
        ERROR = "error", _("Error")
        # OAuth 2.0: the access token's 2 hours are over; X is not asked until it is refreshed.
        EXPIRED = "expired", _("Expired (needs a refresh)")
        REFRESH_REFUSED = "refresh_refused", _("Refresh refused (re-link)")

    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        help_text=_("The name your code uses: BotAccount.objects.get(name=…)."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.UNLINKED, db_index=True
    )

    # The interim request token identifies a pending flow and is in the browser's URL anyway;
    # its secret is encrypted like the access pair.
    twitter_oauth_token = models.CharField(
        _("request token or state"),
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_("Request token (OAuth 1.0a) or state (OAuth 2.0) of a link in progress."),
    )
    twitter_oauth_token_secret = EncryptedTextField(
        _("request token secret or code verifier"),
        blank=True,
        help_text=_(
            "Request token secret (OAuth 1.0a) or PKCE code verifier (OAuth 2.0) of a link in "
            "progress, encrypted."
        ),
    )
    # The protocol of the pending flow. For OAuth 2.0 the two fields above hold the flow's
    # `state` and its PKCE code verifier.
    link_protocol = models.CharField(
        _("protocol of the link in progress"), max_length=8, choices=Protocol.choices, blank=True
    )
    link_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("link started by"),
    )
    link_started_at = models.DateTimeField(_("link started at"), null=True, blank=True)
    link_session_hash = models.CharField(
        _("link session binding"),
        max_length=64,
        blank=True,
        help_text=_(
            "SHA-256 of a random value kept in the browser session that started the pending "
            "link; empty when it was started without one (the PIN command)."
        ),
    )

    twitter_access_token = EncryptedTextField(
        _("access token"),
        blank=True,
        help_text=_("X's Access Token (OAuth 1.0a) or OAuth 2.0 access token, encrypted."),
    )
    twitter_access_token_secret = EncryptedTextField(
        _("access token secret"),
        blank=True,
        help_text=_("X's Access Token Secret (OAuth 1.0a only), encrypted."),
    )
    # The protocol of the stored credentials. OAuth 2.0 keeps its access token in
    # twitter_access_token (no secret), a single-use refresh token, an expiry and granted scopes.
    protocol = models.CharField(_("protocol"), max_length=8, choices=Protocol.choices, blank=True)
    twitter_refresh_token = EncryptedTextField(
        _("refresh token"),
        blank=True,
        help_text=_("X's single-use OAuth 2.0 refresh token (scope offline.access), encrypted."),
    )
    token_expires_at = models.DateTimeField(
        _("access token expires at"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "When X's OAuth 2.0 access token expires (X's expires_in); empty for OAuth 1.0a, "
            "whose tokens do not expire."
        ),
    )
    scopes = models.CharField(
        _("scopes"),
        max_length=500,
        blank=True,
        help_text=_("The OAuth 2.0 scopes X granted (X's scope), separated by spaces."),
    )
    token_refreshed_at = models.DateTimeField(
        _("token refreshed at"),
        null=True,
        blank=True,
        help_text=_("When botauth last rotated the OAuth 2.0 pair; empty until the first refresh."),
    )
    twitter_user_id = models.CharField(
        _("X user id"),
        max_length=32,
        blank=True,
        help_text=_("X's id of the account (id in the API, user_id in OAuth 1.0a)."),
    )
    twitter_username = models.CharField(
        _("X handle"),
        max_length=50,
        blank=True,
        db_index=True,
        help_text=_("X's username (screen_name in OAuth 1.0a), without the @."),
    )
    access_level = models.CharField(
        _("access level"),
        max_length=40,
        blank=True,
        help_text=_(
            "What X reports in its x-access-level header: read, read-write or "
            "read-write-directmessages."
        ),
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("linked by"),
    )
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)

    last_verified_at = models.DateTimeField(
        _("last verified at"), null=True, blank=True, db_index=True
    )
    last_verification = models.CharField(
        _("last check"), max_length=16, choices=Verification.choices, blank=True
    )
    last_verification_detail = models.CharField(
        _("what X said"),
        max_length=255,
        blank=True,
        help_text=_("X's answer at the last check, in words."),
    )
    rate_limit_reset_at = models.DateTimeField(
        _("rate limit resets at"),
        null=True,
        blank=True,
        help_text=_("X's x-rate-limit-reset after a 429: when X allows the next check."),
    )
    # Learned from the bot's own requests (botauth.health) as well as from verify_bot_tokens.
    last_seen_working_at = models.DateTimeField(
        _("last seen working"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("When X last accepted this token: a request of the bot's or a verification."),
    )
    unauthorized_since = models.DateTimeField(
        _("401 seen since"),
        null=True,
        blank=True,
        help_text=_(
            "First 401 from X with no success since. The account is marked invalid only when X "
            "still answers 401 BOTAUTH_HEALTH_CONFIRM_AFTER later."
        ),
    )

    # A verify_bot_tokens run holding this account (botauth.claims): overlapping runs share.
    verify_claim = models.CharField(
        _("claimed by verification run"), max_length=32, blank=True, editable=False
    )
    verify_claimed_until = models.DateTimeField(
        _("claimed until"), null=True, blank=True, editable=False
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BotAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("bot account")
        verbose_name_plural = _("bot accounts")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["twitter_user_id"],
                condition=~Q(twitter_user_id=""),
                name="botauth_unique_twitter_user_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (@{self.twitter_username})" if self.twitter_username else self.name

    def __repr__(self) -> str:
        return f"<BotAccount pk={self.pk} name={self.name!r} status={str(self.status)!r}>"

    @property
    def is_linked(self) -> bool:
        """True when an access pair is stored (even if X has since rejected it)."""
        return self.status in LINKED_STATUSES

    @property
    def can_write(self) -> bool:
        """True when the stored token may post: X reported write access for an OAuth 1.0a
        token at the last verification, or X granted an OAuth 2.0 token ``tweet.write``."""
        if self.protocol == self.Protocol.OAUTH2:
            return "tweet.write" in self.scopes.split()
        return can_post(self.access_level)

    @property
    def access_expired(self) -> bool:
        """True when an OAuth 2.0 access token is stored and its expiry has passed."""
        expires = self.token_expires_at
        return (
            self.protocol == self.Protocol.OAUTH2
            and expires is not None
            and expires <= timezone.now()
        )

    @sensitive_variables()
    def access_pair(self) -> tuple[str, str]:
        if not (self.is_linked and self.twitter_access_token and self.twitter_access_token_secret):
            raise NotLinkedError(
                f"Bot account {self.name!r} is not linked to X: link it from the admin "
                "(“Link with X”) or run `manage.py link_bot_account`."
            )
        return self.twitter_access_token, self.twitter_access_token_secret

    @sensitive_variables()
    def get_tweepy_client(self, **kwargs: Any) -> BotClient:
        """A tweepy.Client that acts as this bot (API v2).

        It carries the consumer pair, the bearer token when one is set, and this account's
        access pair; every request has BOTAUTH_REQUEST_TIMEOUT (10 s) unless ``timeout`` is
        given. Other keyword arguments go to tweepy.Client. Raises NotLinkedError when the
        account has no access pair. It is a botauth.client.BotClient: ``media_upload()``
        uploads pictures and videos through X's v2 media endpoints.

        An OAuth 2.0 bot's client sends its user token on every call (no ``user_auth``
        argument needed), refreshes it when it is about to expire (BOTAUTH_OAUTH2_REFRESH_MARGIN)
        or on a 401 a refresh can cure, and picks up a token another worker refreshed. It
        raises ReauthorizationRequiredError once X refuses the bot's refresh token.
        """
        if self.protocol == self.Protocol.OAUTH2:
            return self._oauth2_client(**kwargs)
        access_token, access_token_secret = self.access_pair()
        consumer_key, consumer_secret = conf.consumer_credentials()
        timeout = kwargs.pop("timeout", None)
        options: dict[str, Any] = {
            "bearer_token": conf.bearer_token(),
            "consumer_key": consumer_key,
            "consumer_secret": consumer_secret,
            "access_token": access_token,
            "access_token_secret": access_token_secret,
            **kwargs,
        }
        client = BotClient(**options, timeout=timeout)
        client.session.hooks["response"].append(health.TrafficHook(self))
        return client

    @sensitive_variables()
    def _oauth2_client(self, **kwargs: Any) -> BotClient:
        # Imported here: refresh.py reads and writes this model.
        from botauth import refresh
        from botauth.bearer import OAuth2UserAuth

        if not (self.is_linked and self.twitter_access_token):
            raise NotLinkedError(
                f"Bot account {self.name!r} is not linked to X: link it from the admin "
                "(“Link with X”)."
            )
        refresh.check_usable(self)
        auth = OAuth2UserAuth(
            pk=self.pk,
            name=self.name,
            current=refresh.Current(
                access_token=self.twitter_access_token, expires_at=self.token_expires_at
            ),
            margin=conf.oauth2_refresh_margin(),
        )
        timeout = kwargs.pop("timeout", None)
        client = BotClient(oauth2=auth, user_id=self.twitter_user_id, timeout=timeout, **kwargs)
        client.session.hooks["response"].append(health.TrafficHook(self))
        return client

    @sensitive_variables()
    def get_tweepy_api(self, **kwargs: Any) -> tweepy.API:
        """A tweepy.API for the v1.1 endpoints X still answers, acting as this bot.

        Not for media: X retired v1.1's media upload in 2025, use
        ``get_tweepy_client().media_upload()``. Requests time out after BOTAUTH_REQUEST_TIMEOUT
        unless ``timeout`` is given; other keyword arguments go to tweepy.API. Its answers teach
        botauth the token's health as the client's do. Raises NotLinkedError when not linked.
        """
        if self.protocol == self.Protocol.OAUTH2:
            raise NotLinkedError(
                f"Bot account {self.name!r} is linked with OAuth 2.0, which X's v1.1 API does not "
                "take: use get_tweepy_client() (API v2), or re-link it with OAuth 1.0a."
            )
        access_token, access_token_secret = self.access_pair()
        consumer_key, consumer_secret = conf.consumer_credentials()
        auth = tweepy.OAuth1UserHandler(
            consumer_key, consumer_secret, access_token, access_token_secret
        )
        kwargs.setdefault("timeout", conf.request_timeout())
        api = tweepy.API(auth, **kwargs)
        api.session = XSession(timeout=kwargs["timeout"])
        api.session.hooks["response"].append(health.TrafficHook(self))
        return api

    # State changes. Each is the one place that knows what it means; flows call them.

    def _change(self, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=[*fields, "updated_at"])

    @sensitive_variables()
    def begin_link(
        self,
        *,
        flow_key: str,
        flow_secret: str,
        started_by: Any,
        session_hash: str = "",
        protocol: str = "oauth1",
    ) -> None:
        """Store a pending flow; an account already linked keeps its pair until it completes."""
        self._change(
            twitter_oauth_token=flow_key,
            twitter_oauth_token_secret=flow_secret,
            link_protocol=protocol,
            link_started_by=started_by,
            link_started_at=timezone.now(),
            link_session_hash=session_hash,
            status=self.status if self.is_linked else self.Status.PENDING,
        )

    def clear_pending(self) -> None:
        """Forget the pending flow; the status goes back to what the stored pair says."""
        type(self).objects.filter(pk=self.pk).clear_pending()
        self.refresh_from_db(fields=["status", "updated_at", *PENDING_CLEARED])

    @sensitive_variables()
    def store_access(
        self,
        *,
        token: str,
        secret: str,
        user_id: str,
        username: str,
        linked_by: Any,
        access_level: str = "",
        protocol: str = "oauth1",
        refresh_token: str = "",
        expires_at: datetime | None = None,
        scopes: str = "",
    ) -> None:
        """Replace the access pair and identity, ending any pending flow: the account is linked.

        OAuth 2.0 stores its access token with no secret, plus its refresh token, expiry and
        granted scopes.
        """
        self._change(
            **{
                **ACCESS_CLEARED,
                **PENDING_CLEARED,
                "twitter_access_token": token,
                "twitter_access_token_secret": secret,
                "twitter_refresh_token": refresh_token,
                "token_expires_at": expires_at,
                "scopes": scopes,
                "twitter_user_id": user_id,
                "twitter_username": username,
                "access_level": access_level,
                "protocol": protocol,
                "linked_by": linked_by,
                "linked_at": timezone.now(),
                "status": self.Status.LINKED,
            }
        )

    def forget_access(self) -> None:
        """Forget the access pair, the X identity and any pending flow: the account is unlinked."""
        self._change(**ACCESS_CLEARED, **PENDING_CLEARED, status=self.Status.UNLINKED)


def can_post(access_level: str) -> bool:
    # X reports read, read-write or read-write-directmessages in x-access-level.
    return "write" in access_level


# Statuses in which an access pair is stored.
LINKED_STATUSES = frozenset(
    {BotAccount.Status.LINKED, BotAccount.Status.INVALID, BotAccount.Status.SUSPENDED}
)
