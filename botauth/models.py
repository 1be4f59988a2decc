from __future__ import annotations

from typing import Any

import tweepy
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from botauth import conf, health
from botauth.exceptions import NotLinkedError
from botauth.fields import EncryptedTextField
from botauth.transport import XSession


class BotAccount(models.Model):
    class Status(models.TextChoices):
        UNLINKED = "unlinked", "Unlinked"
        PENDING = "pending", "Pending"
        LINKED = "linked", "Linked"
        INVALID = "invalid", "Invalid"
        SUSPENDED = "suspended", "Suspended"

    class Verification(models.TextChoices):
        VALID = "valid", "Valid"
        INVALID = "invalid", "Invalid (401)"
        SUSPENDED = "suspended", "Suspended (403)"
        RATE_LIMITED = "rate_limited", "Rate limited (429)"
        ERROR = "error", "Error"

    name = models.CharField(max_length=100, unique=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.UNLINKED, db_index=True
    )

    # The interim request token identifies a pending flow and is in the browser's URL anyway;
    # its secret is encrypted like the access pair.
    twitter_oauth_token = models.CharField(max_length=255, blank=True, db_index=True)
    twitter_oauth_token_secret = EncryptedTextField(blank=True)
    link_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    link_started_at = models.DateTimeField(null=True, blank=True)

    twitter_access_token = EncryptedTextField(blank=True)
    twitter_access_token_secret = EncryptedTextField(blank=True)
    twitter_user_id = models.CharField(max_length=32, blank=True)
    twitter_username = models.CharField(max_length=50, blank=True, db_index=True)
    access_level = models.CharField(max_length=40, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linked_at = models.DateTimeField(null=True, blank=True)

    last_verified_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_verification = models.CharField(max_length=16, choices=Verification.choices, blank=True)
    last_verification_detail = models.CharField(max_length=255, blank=True)
    rate_limit_reset_at = models.DateTimeField(null=True, blank=True)
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

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[BotAccount] = models.Manager()

    class Meta:
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
        """True when X reported write access for the stored token at the last verification."""
        return can_post(self.access_level)

    @sensitive_variables()
    def access_pair(self) -> tuple[str, str]:
        if not (self.is_linked and self.twitter_access_token and self.twitter_access_token_secret):
            raise NotLinkedError(
                f"Bot account {self.name!r} is not linked to X: link it from the admin "
                "(“Link with X”) or run `manage.py link_bot_account`."
            )
        return self.twitter_access_token, self.twitter_access_token_secret

    @sensitive_variables()
    def get_tweepy_client(self, **kwargs: Any) -> tweepy.Client:
        """A tweepy.Client that acts as this bot (API v2).

        It carries the consumer pair, the bearer token when one is set, and this account's
        access pair; every request has BOTAUTH_REQUEST_TIMEOUT (10 s) unless ``timeout`` is
        given. Other keyword arguments go to tweepy.Client. Raises NotLinkedError when the
        account has no access pair.
        """
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
        client = tweepy.Client(**options)
        client.session = XSession(timeout=timeout)
        client.session.hooks["response"].append(health.TrafficHook(self))
        return client

    @sensitive_variables()
    def get_tweepy_api(self, **kwargs: Any) -> tweepy.API:
        """A tweepy.API (v1.1, e.g. media upload) that acts as this bot.

        Requests time out after BOTAUTH_REQUEST_TIMEOUT unless ``timeout`` is given; other
        keyword arguments go to tweepy.API. Raises NotLinkedError when not linked.
        """
        access_token, access_token_secret = self.access_pair()
        consumer_key, consumer_secret = conf.consumer_credentials()
        auth = tweepy.OAuth1UserHandler(
            consumer_key, consumer_secret, access_token, access_token_secret
        )
        kwargs.setdefault("timeout", conf.request_timeout())
        api = tweepy.API(auth, **kwargs)
        api.session = XSession(timeout=kwargs["timeout"])
        return api


def can_post(access_level: str) -> bool:
    # X reports read, read-write or read-write-directmessages in x-access-level.
    return "write" in access_level


# Statuses in which an access pair is stored.
LINKED_STATUSES = frozenset(
    {BotAccount.Status.LINKED, BotAccount.Status.INVALID, BotAccount.Status.SUSPENDED}
)
