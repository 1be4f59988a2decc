"""An OAuth 2.0 bot's token, refreshed exactly once per expiry across threads, processes, machines.

A refresh takes a lock on the account (locks.py), reads the row again, and calls X only if the
stored token still needs it; every other worker picks up what is stored. X's refresh tokens are
single use, so two workers refreshing at once would leave one holding a dead pair. With a row
lock the new pair is stored in the transaction that holds it; X's answer is never half stored,
and a refused refresh token marks the account for a re-link only if it is still the stored one.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, overload

from django.db import router, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_variables

from botauth import locks, rotation
from botauth.exceptions import BotauthError, NotLinkedError, ReauthorizationRequiredError
from botauth.models import LINKED_STATUSES, BotAccount

logger = logging.getLogger("botauth")

# A token X issued this recently is not cured by another refresh: its 401 is X's own trouble
# (X has had outages answering 401 to valid tokens), and refreshing would only churn tokens.
CURABLE_AFTER = timedelta(seconds=60)
READ_FIELDS = (
    "pk",
    "name",
    "status",
    "protocol",
    "twitter_access_token",
    "twitter_refresh_token",
    "token_expires_at",
    "token_refreshed_at",
    "linked_at",
    "last_verification",
)
Result = BotAccount.Verification


@dataclass(frozen=True)
class Current:
    """The stored access token of an OAuth 2.0 bot, as a client holds it (no refresh token)."""

    access_token: str = field(repr=False)
    expires_at: datetime | None
    refreshed: bool = False


@sensitive_variables()
def ensure_fresh(*, pk: int, held: str, margin: timedelta, rejected: bool = False) -> Current:
    """The bot's access token, refreshed at X first if it expires within `margin`.

    `held` is the token the caller has; `rejected` says X answered it 401, which a refresh cures
    unless X issued it moments ago. Raises NotLinkedError, ReauthorizationRequiredError (X
    refused the refresh token: the account is marked for a re-link), RefreshAnswerLostError or
    XUnavailableError (the stored pair is kept).
    """
    seen = _read(pk)
    if not _due(seen, held=held, rejected=rejected, margin=margin):
        return _current(seen)
    alias = _alias()
    together = locks.waits_together(alias)
    while True:
        with locks.refresh_lock(alias, pk):
            account = _read(pk, locked=True, skip_locked=together)
            if account is not None:
                if not _due(account, held=held, rejected=rejected, margin=margin):
                    logger.debug("Bot %r: picked up the token another refreshed.", account.name)
                    return _current(account)
                outcome = _refresh(account)
                break
        # Another worker holds the row, refreshing it: wait until it is done, with every other
        # waiter at once rather than one after another on the row lock, and read what it stored.
        stored = _read_shared(alias, pk)
        if not _due(stored, held=held, rejected=rejected, margin=margin):
            return _current(stored)
    if isinstance(outcome, BotauthError):
        raise outcome
    return outcome


@sensitive_variables()
def refresh_next(
    queryset: QuerySet[BotAccount], *, margin: timedelta
) -> tuple[BotAccount, Current | BotauthError] | None:
    """Refresh the first account of `queryset` that no other worker holds; None when none is.

    For workers sharing a list (tasks): the row is claimed with SELECT ... FOR UPDATE SKIP
    LOCKED, and that lock, held while X answers, is the refresh's lock, so a worker never waits
    for another and never refreshes what another holds. Needs a database with SKIP LOCKED.
    """
    with transaction.atomic(using=queryset.db):
        account = queryset.select_for_update(skip_locked=True).only(*READ_FIELDS).first()
        if account is None:
            return None
        try:
            check_usable(account)
            due = is_due(account, margin=margin)
            outcome = _refresh(account) if due else _current(account)
        except BotauthError as err:
            outcome = err
    return account, outcome


def is_due(account: BotAccount, *, margin: timedelta) -> bool:
    expires = account.token_expires_at
    return expires is not None and expires <= timezone.now() + margin


def _due(account: BotAccount, *, held: str, rejected: bool, margin: timedelta) -> bool:
    check_usable(account)
    if is_due(account, margin=margin):
        return True
    if rejected and account.twitter_access_token == held:
        issued = account.token_refreshed_at or account.linked_at
        return issued is None or timezone.now() - issued >= CURABLE_AFTER
    return False


def check_usable(account: BotAccount) -> None:
    """Raise unless the account holds an OAuth 2.0 grant that X may still refresh."""
    if account.status not in LINKED_STATUSES or account.protocol != BotAccount.Protocol.OAUTH2:
        raise NotLinkedError(
            f"Bot account {account.name!r} is not linked with OAuth 2.0: link it from the admin "
            "(“Link with X”)."
        )
    if account.last_verification == Result.REFRESH_REFUSED:
        raise _reauthorize(account.name, "it refused the stored refresh token before")
    if not account.twitter_refresh_token:
        raise _reauthorize(account.name, "no refresh token is stored (no offline.access)")


@sensitive_variables()
def _refresh(account: BotAccount) -> Current | BotauthError:
    """Rotate the pair at X and store it; an error to raise once the lock is released."""
    sent = account.twitter_refresh_token
    # The expiry counts from before the request: X's clock started no earlier.
    now = timezone.now()
    try:
        rotated = rotation.rotate(refresh_token=sent)
    except rotation.Refused as refused:
        return _refused(account, sent, refused)
    except BotauthError:
        logger.warning(
            "Bot %r: the token refresh failed; the stored pair is kept.",
            account.name,
            exc_info=True,
        )
        raise
    holds_row = locks.holds_row(_alias())
    # Holding the row lock, the transaction is open and nobody changed the row; without one,
    # the row is read again in a short transaction.
    with nullcontext() if holds_row else transaction.atomic(using=_alias()):
        stored = account if holds_row else _read(account.pk, locked=True)
        if stored.twitter_refresh_token != sent:
            # Re-linked or unlinked while X answered.
            logger.warning(
                "Bot %r changed during its refresh; X's new pair is dropped.", stored.name
            )
            check_usable(stored)
            return _current(stored)
        fields: dict[str, Any] = {
            "twitter_access_token": rotated.access_token,
            "twitter_refresh_token": rotated.refresh_token,
            "token_expires_at": now + timedelta(seconds=rotated.expires_in),
            "token_refreshed_at": now,
            "updated_at": now,
        }
        if rotated.scope:
            fields["scopes"] = rotated.scope[:500]
        if stored.status == BotAccount.Status.INVALID:
            # X took the refresh token, so the grant lives; a 401 had made it look dead.
            fields["status"] = BotAccount.Status.LINKED
        BotAccount.objects.filter(pk=stored.pk).update(**fields)
    logger.info(
        "Bot %r: refreshed its OAuth 2.0 token (expires %s).",
        account.name,
        fields["token_expires_at"].isoformat(timespec="seconds"),
    )
    return Current(
        access_token=rotated.access_token, expires_at=fields["token_expires_at"], refreshed=True
    )


@sensitive_variables()
def _refused(account: BotAccount, sent: str, refused: rotation.Refused) -> Current | BotauthError:
    detail = (
        gettext(
            "X refused the refresh token (%(error)s: %(description)s); link the bot with X again."
        )
        % {"error": refused.error, "description": refused.description}
    )[:255]
    with transaction.atomic(using=_alias()):
        # Read again first: a worker that does not share this lock may have rotated it meanwhile.
        stored = _read(account.pk, locked=True)
        if stored.twitter_refresh_token != sent:
            logger.info("Bot %r: X refused an old refresh token; using the newer one.", stored.name)
            return _current(stored)
        BotAccount.objects.filter(pk=stored.pk).update(
            status=BotAccount.Status.INVALID,
            last_verification=Result.REFRESH_REFUSED,
            last_verification_detail=detail,
            last_verified_at=timezone.now(),
            updated_at=timezone.now(),
        )
    # The log stays in English; the stored detail is in the language of whoever ran this.
    logger.warning(
        "Bot %r: X refused the refresh token (%s: %s); link the bot with X again.",
        stored.name,
        refused.error,
        refused.description,
    )
    error = _reauthorize(stored.name, f"{refused.error}: {refused.description}")
    error.__cause__ = refused
    return error


def _reauthorize(name: str, why: str) -> ReauthorizationRequiredError:
    return ReauthorizationRequiredError(
        f"X will not refresh the token of bot {name!r} ({why}). Link it with X again from the "
        "admin (“Re-link with X”); until then it cannot act on X.",
        status=400,
    )


def _current(account: BotAccount) -> Current:
    return Current(access_token=account.twitter_access_token, expires_at=account.token_expires_at)


@overload
def _read(pk: int, *, locked: bool = False) -> BotAccount: ...
@overload
def _read(pk: int, *, locked: bool, skip_locked: bool) -> BotAccount | None: ...
def _read(pk: int, *, locked: bool = False, skip_locked: bool = False) -> BotAccount | None:
    """The row as stored now; with skip_locked, None when another transaction holds it."""
    queryset = BotAccount.objects.only(*READ_FIELDS)
    if locked:
        queryset = queryset.select_for_update(skip_locked=skip_locked)
    try:
        return queryset.get(pk=pk)
    except BotAccount.DoesNotExist:
        if skip_locked:
            return None
        raise NotLinkedError(f"Bot account {pk} no longer exists.") from None


def _read_shared(alias: str, pk: int) -> BotAccount:
    """The row once whoever holds its lock (the refresher) is done, read by every waiter at once."""
    meta = BotAccount._meta
    column_of = {field.name: str(field.column) for field in meta.concrete_fields}
    columns = [str(meta.pk.column), *(column_of[name] for name in READ_FIELDS if name != "pk")]
    query = locks.share_query(alias, meta.db_table, columns)
    with transaction.atomic(using=alias):
        rows = list(BotAccount.objects.using(alias).raw(query, [pk]))
    if not rows:
        raise NotLinkedError(f"Bot account {pk} no longer exists.")
    return rows[0]


def _alias() -> str:
    return router.db_for_write(BotAccount)
