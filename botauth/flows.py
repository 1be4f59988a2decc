"""The link flow: start it, complete it, cancel it, unlink. Views and commands call these."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from botauth import conf, oauth
from botauth.exceptions import (
    FlowExpiredError,
    FlowNotFoundError,
    IdentityConflictError,
    XError,
    XRejectedError,
    XUnavailableError,
)
from botauth.models import BotAccount

PENDING_CLEARED: dict[str, Any] = {
    "twitter_oauth_token": "",
    "twitter_oauth_token_secret": "",
    "link_started_by": None,
    "link_started_at": None,
}
ACCESS_CLEARED: dict[str, Any] = {
    "twitter_access_token": "",
    "twitter_access_token_secret": "",
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

NOT_FOUND = (
    "This authorization does not match a link you started: it is unknown, was already used, "
    "or was started by another user. Start again with “Link with X” on the bot account."
)


def _update(account: BotAccount, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(account, name, value)
    account.save(update_fields=[*fields, "updated_at"])


@sensitive_variables()
def start_link(*, account: BotAccount, user: Any, callback: str) -> str:
    """Get a request token from X, store the pending flow, return X's authorize URL.

    Nothing is stored when X fails (XError propagates).
    """
    token = oauth.fetch_request_token(callback=callback)
    status = account.status if account.is_linked else BotAccount.Status.PENDING
    _update(
        account,
        twitter_oauth_token=token.token,
        twitter_oauth_token_secret=token.secret,
        link_started_by=user if user is not None and user.is_authenticated else None,
        link_started_at=timezone.now(),
        status=status,
    )
    return oauth.authorize_url(token.token, screen_name=account.twitter_username)


def clear_pending(account: BotAccount) -> None:
    status = account.status if account.is_linked else BotAccount.Status.UNLINKED
    _update(account, status=status, **PENDING_CLEARED)


@sensitive_variables()
def find_pending(*, oauth_token: str, user: Any) -> BotAccount:
    """The account whose pending flow this user started with this token (constant-time match)."""
    if user is None or user.pk is None:
        raise FlowNotFoundError(NOT_FOUND)
    candidates = BotAccount.objects.filter(link_started_by=user.pk).exclude(twitter_oauth_token="")
    match = None
    for candidate in candidates:
        if hmac.compare_digest(candidate.twitter_oauth_token.encode(), oauth_token.encode()):
            match = candidate
    if match is None:
        raise FlowNotFoundError(NOT_FOUND)
    return match


def cancel_link(*, denied_token: str, user: Any) -> BotAccount:
    account = find_pending(oauth_token=denied_token, user=user)
    clear_pending(account)
    return account


@sensitive_variables()
def complete_link(*, account: BotAccount, oauth_token: str, verifier: str, user: Any) -> BotAccount:
    """Exchange the verifier once and store the access pair and X identity.

    The flow is claimed with a compare-and-set on the row before X is called, so a callback
    delivered twice exchanges once, and no database lock is held while X answers (on SQLite
    that lock would block a sandbox served by the same database). X failing puts the flow back
    for a retry; an identity conflict clears the (now used) flow and keeps the stored pair.
    """
    started_by = user.pk if user is not None else None
    if account.link_started_by_id != started_by or not hmac.compare_digest(
        account.twitter_oauth_token.encode(), oauth_token.encode()
    ):
        raise FlowNotFoundError(NOT_FOUND)
    started = account.link_started_at
    if started is None or timezone.now() - started > conf.pending_ttl():
        clear_pending(account)
        raise FlowExpiredError(
            "This authorization expired before X sent you back. Start again with “Link with X”."
        )
    request_token = oauth.RequestToken(token=oauth_token, secret=account.twitter_oauth_token_secret)
    pending = BotAccount.objects.filter(pk=account.pk, link_started_at=started)
    if not pending.filter(twitter_oauth_token=oauth_token).update(twitter_oauth_token=""):
        raise FlowNotFoundError(NOT_FOUND)
    try:
        grant = oauth.fetch_access_token(request_token=request_token, verifier=verifier)
    except XError:
        pending.filter(twitter_oauth_token="").update(twitter_oauth_token=oauth_token)
        raise
    with transaction.atomic():
        account = BotAccount.objects.select_for_update().get(pk=account.pk)
        conflict = _identity_conflict(account, grant)
        if not conflict:
            try:
                with transaction.atomic():
                    _store_grant(account, grant, user)
            except IntegrityError:
                conflict = _identity_conflict(account, grant) or (
                    f"X account @{grant.screen_name} was linked elsewhere at the same "
                    "moment; nothing was changed."
                )
        if conflict:
            clear_pending(account)
    if conflict:
        raise IdentityConflictError(conflict)
    return account


def _identity_conflict(account: BotAccount, grant: oauth.AccessGrant) -> str | None:
    other = BotAccount.objects.filter(twitter_user_id=grant.user_id).exclude(pk=account.pk).first()
    if other is not None:
        return (
            f"X account @{grant.screen_name} is already linked to bot account “{other.name}”. "
            "Unlink it there first; nothing was changed."
        )
    if account.twitter_user_id and account.twitter_user_id != grant.user_id:
        return (
            f"“{account.name}” is linked to @{account.twitter_username}, but X approved "
            f"@{grant.screen_name}. Unlink it first to link a different X account; "
            "nothing was changed."
        )
    return None


def _store_grant(account: BotAccount, grant: oauth.AccessGrant, user: Any) -> None:
    fields = {
        **ACCESS_CLEARED,
        **PENDING_CLEARED,
        "twitter_access_token": grant.token,
        "twitter_access_token_secret": grant.secret,
        "twitter_user_id": grant.user_id,
        "twitter_username": grant.screen_name,
        "linked_by": user if user is not None and user.is_authenticated else None,
        "linked_at": timezone.now(),
        "status": BotAccount.Status.LINKED,
    }
    _update(account, **fields)


@dataclass(frozen=True)
class Unlinked:
    had_token: bool
    revoked: bool = False
    reason: str = ""


@sensitive_variables()
def unlink(*, account: BotAccount) -> Unlinked:
    """Revoke the access pair at X when possible, then forget it and the X identity."""
    result = Unlinked(had_token=False)
    if account.is_linked and account.twitter_access_token:
        try:
            oauth.invalidate_token(
                access_token=account.twitter_access_token,
                access_token_secret=account.twitter_access_token_secret,
            )
            result = Unlinked(had_token=True, revoked=True)
        except XUnavailableError:
            result = Unlinked(had_token=True, reason="X did not answer")
        except XRejectedError as err:
            result = Unlinked(had_token=True, reason=f"X refused: {err.status or 'no status'}")
    _update(account, status=BotAccount.Status.UNLINKED, **ACCESS_CLEARED, **PENDING_CLEARED)
    return result
