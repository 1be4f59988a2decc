"""Linking a bot account with X, whatever the protocol: the API views and commands call.

start_link() asks X for a flow and keeps it pending on the account; finish_link() takes X's
callback parameters and, in one call, matches them to a pending flow of this user (and of this
browser session, when it started in one) and completes or cancels it; complete_link() completes
a flow the caller holds already (the PIN command); import_access() stores a pair X confirms;
unlink() revokes and forgets; expire_abandoned() ends flows nobody came back to. What differs
between protocols lives in one module each (oauth1.py; OAuth 2.0 goes in oauth2.py beside it,
chosen by its callback's parameters in protocol_for()).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError, InterfaceError, connections, transaction
from django.http import QueryDict
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from botauth import conf, encryption, oauth
from botauth.exceptions import (
    DecryptionError,
    FlowExpiredError,
    FlowNotFoundError,
    IdentityConflictError,
    LinkError,
    LinkForbiddenError,
    LinkUnavailableError,
    XRejectedError,
    XUnavailableError,
)
from botauth.flows import binding, oauth1
from botauth.flows.binding import Session
from botauth.flows.protocol import LinkProtocol
from botauth.models import ACCESS_CLEARED, PENDING_CLEARED, BotAccount
from botauth.oauth import AccessGrant

__all__ = [
    "ACCESS_CLEARED",
    "PENDING_CLEARED",
    "Finished",
    "Unlinked",
    "cancel_link",
    "clear_pending",
    "complete_link",
    "expire_abandoned",
    "find_pending",
    "finish_link",
    "import_access",
    "start_link",
    "unlink",
]

logger = logging.getLogger("botauth")
# What a lost or refused database connection raises (InterfaceError is not a DatabaseError).
DATABASE_ERRORS = (DatabaseError, InterfaceError)

NOT_FOUND = (
    "This authorization does not match a link you started: it is unknown, was already used, "
    "or was started by another user. Start again with “Link with X” on the bot account."
)
OTHER_SESSION = (
    "This authorization belongs to a link started in another browser session. Finish it in "
    "the browser that started it, or start again here with “Link with X”."
)
DATABASE_DOWN = (
    "The database did not answer while the link was being stored; the account was left as it "
    "was. Try again in a moment."
)


@dataclass(frozen=True)
class Finished:
    account: BotAccount
    cancelled: bool = False


@dataclass(frozen=True)
class Unlinked:
    had_token: bool
    revoked: bool = False
    reason: str = ""


def _person(user: Any) -> Any:
    return user if user is not None and user.is_authenticated else None


def _same(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())


def protocol_for(query: QueryDict) -> LinkProtocol:
    return oauth1


def expire_abandoned() -> list[str]:
    """End every flow older than BOTAUTH_PENDING_TTL, wiping its secret; their names, sorted."""
    with transaction.atomic():
        abandoned = BotAccount.objects.abandoned().select_for_update()
        names = dict(abandoned.values_list("pk", "name"))
        BotAccount.objects.filter(pk__in=names).clear_pending()
    return sorted(names.values())


@sensitive_variables()
def start_link(
    *, account: BotAccount, user: Any, callback: str, session: Session | None = None
) -> str:
    """Get a flow from X, keep it pending on the account, return the URL to send the person to.

    Given the browser's session, only that session can finish the flow. Nothing is stored when
    X fails (XError propagates).
    """
    encryption.multi_fernet()  # no key, no flow: X is not asked for one that cannot be stored
    started = oauth1.start(callback=callback, screen_name=account.twitter_username)
    # Abandoned flows end here too, so statuses stay true without cron (one UPDATE).
    BotAccount.objects.abandoned().clear_pending()
    account.begin_link(
        flow_key=started.key,
        flow_secret=started.secret,
        started_by=_person(user),
        session_hash=binding.bind(session, account),
    )
    return started.url


@sensitive_variables()
def finish_link(
    *,
    query: QueryDict,
    user: Any,
    session: Session | None = None,
    may_change: Callable[[BotAccount], bool] | None = None,
) -> Finished:
    """Complete or cancel, from X's callback parameters, the pending flow this user started.

    ``may_change`` is asked again whether the user may still change the account.
    """
    protocol = protocol_for(query)
    answer = protocol.parse(query)
    try:
        account = find_pending(oauth_token=answer.key, user=user, session=session)
        if may_change is not None and not may_change(account):
            account.clear_pending()
            raise LinkForbiddenError(
                f"You may no longer change “{account.name}”, so the link was not completed "
                "and its authorization was discarded."
            )
        if answer.cancelled:
            account.clear_pending()
            finished = Finished(account=account, cancelled=True)
        else:
            linked = _complete(account, key=answer.key, code=answer.code, user=user, p=protocol)
            finished = Finished(account=linked)
    except DATABASE_ERRORS as err:
        raise LinkUnavailableError(DATABASE_DOWN) from err
    return finished


@sensitive_variables()
def find_pending(*, oauth_token: str, user: Any, session: Session | None = None) -> BotAccount:
    """The account whose pending flow this user started with this key (constant-time match).

    Only the keys are compared; no row's secrets are read.
    """
    if user is None or user.pk is None:
        raise FlowNotFoundError(NOT_FOUND)
    candidates = (
        BotAccount.objects.without_secrets()
        .filter(link_started_by=user.pk)
        .exclude(twitter_oauth_token="")
    )
    match = None
    for candidate in candidates:
        if _same(candidate.twitter_oauth_token, oauth_token):
            match = candidate
    if match is None:
        raise FlowNotFoundError(NOT_FOUND)
    if not binding.bound_here(session, match):
        raise FlowNotFoundError(OTHER_SESSION)
    return match


def cancel_link(*, denied_token: str, user: Any, session: Session | None = None) -> BotAccount:
    account = find_pending(oauth_token=denied_token, user=user, session=session)
    account.clear_pending()
    return account


def clear_pending(account: BotAccount) -> None:
    account.clear_pending()


@sensitive_variables()
def complete_link(
    *,
    account: BotAccount,
    oauth_token: str,
    verifier: str,
    user: Any,
    session: Session | None = None,
) -> BotAccount:
    """Complete the account's pending OAuth 1.0a flow with X's verifier (or PIN)."""
    started_by = user.pk if user is not None else None
    if account.link_started_by_id != started_by or not _same(
        account.twitter_oauth_token, oauth_token
    ):
        raise FlowNotFoundError(NOT_FOUND)
    if not binding.bound_here(session, account):
        raise FlowNotFoundError(OTHER_SESSION)
    return _complete(account, key=oauth_token, code=verifier, user=user, p=oauth1)


@sensitive_variables()
def _complete(
    account: BotAccount, *, key: str, code: str, user: Any, p: LinkProtocol
) -> BotAccount:
    """Exchange the code once and store the access pair and X identity.

    The flow is claimed with a compare-and-set on the row before X is called, so a callback
    delivered twice exchanges once, and no database lock is held while X answers (on SQLite
    that lock would block a sandbox served by the same database). X or the database failing
    puts the flow back for a retry; an identity conflict ends the (now used) flow and keeps the
    stored pair.
    """
    started = account.link_started_at
    if started is None or timezone.now() - started > conf.pending_ttl():
        account.clear_pending()
        raise FlowExpiredError(
            "This authorization expired before X sent you back. Start again with “Link with X”."
        )
    try:
        secret = account.twitter_oauth_token_secret
    except DecryptionError as err:
        account.clear_pending()
        raise LinkError(
            f"{err} This authorization cannot be finished; start again with “Link with X”."
        ) from err
    claimed = BotAccount.objects.filter(pk=account.pk, link_started_at=started)
    if not claimed.filter(twitter_oauth_token=key).update(twitter_oauth_token=""):
        raise FlowNotFoundError(NOT_FOUND)
    try:
        grant = p.exchange(key=key, secret=secret, code=code)
        return _store(account.pk, grant, linked_by=_person(user))
    except LinkError:
        raise
    except DATABASE_ERRORS as err:
        _put_back(claimed, key, pk=account.pk)
        raise LinkUnavailableError(DATABASE_DOWN) from err
    except Exception:
        _put_back(claimed, key, pk=account.pk)
        raise


def _put_back(claimed: Any, key: str, *, pk: int) -> None:
    """Undo a claim, so that the same callback (or PIN) can be tried again."""
    db = connections[claimed.db]
    if not db.in_atomic_block:
        # A connection the server dropped stays broken until closed; the update opens a new one.
        db.close_if_unusable_or_obsolete()
    try:
        claimed.filter(twitter_oauth_token="").update(twitter_oauth_token=key)
    except DATABASE_ERRORS:
        logger.exception("The pending link of bot account pk=%s could not be put back.", pk)


@sensitive_variables()
def import_access(*, account: BotAccount, token: str, secret: str) -> BotAccount:
    """Store an access pair the caller holds, once X says whose it is (one GET /2/users/me).

    The same identity rules as a link apply; nothing is stored when X refuses the pair.
    """
    if not (oauth.TOKEN_VALUE_RE.fullmatch(token) and oauth.TOKEN_VALUE_RE.fullmatch(secret)):
        raise LinkError(
            "That is not an access token and secret: each is one line of printable characters "
            "without spaces."
        )
    grant = oauth1.identify(token=token, secret=secret)
    try:
        return _store(account.pk, grant, linked_by=None, end_flow_on_conflict=False)
    except DATABASE_ERRORS as err:
        raise LinkUnavailableError(DATABASE_DOWN) from err


@sensitive_variables()
def _store(
    pk: int, grant: AccessGrant, *, linked_by: Any, end_flow_on_conflict: bool = True
) -> BotAccount:
    """Store what X granted, under the identity rules; a conflict stores nothing."""
    try:
        with transaction.atomic():
            account = BotAccount.objects.without_secrets().select_for_update().get(pk=pk)
            conflict = _identity_conflict(account, grant)
            if not conflict:
                account.store_access(
                    token=grant.token,
                    secret=grant.secret,
                    user_id=grant.user_id,
                    username=grant.screen_name,
                    access_level=grant.access_level,
                    linked_by=linked_by,
                )
    except IntegrityError:
        # Another account took this X user between the check and the write.
        account = BotAccount.objects.without_secrets().get(pk=pk)
        conflict = _identity_conflict(account, grant) or (
            f"X account @{grant.screen_name} was linked elsewhere at the same moment; "
            "nothing was changed."
        )
    if conflict:
        if end_flow_on_conflict:
            account.clear_pending()
        raise IdentityConflictError(conflict)
    return account


def _identity_conflict(account: BotAccount, grant: AccessGrant) -> str | None:
    other = BotAccount.objects.filter(twitter_user_id=grant.user_id).exclude(pk=account.pk)
    other_name = other.values_list("name", flat=True).first()
    if other_name is not None:
        return (
            f"X account @{grant.screen_name} is already linked to bot account “{other_name}”. "
            "Unlink it there first; nothing was changed."
        )
    if account.twitter_user_id and account.twitter_user_id != grant.user_id:
        return (
            f"“{account.name}” is linked to @{account.twitter_username}, but X approved "
            f"@{grant.screen_name}. Unlink it first to link a different X account; "
            "nothing was changed."
        )
    return None


@sensitive_variables()
def unlink(*, account: BotAccount) -> Unlinked:
    """Revoke the access pair at X when possible, then forget it and the X identity.

    A pair that cannot be decrypted (a lost key) cannot be revoked, and is forgotten all the same.
    """
    result = Unlinked(had_token=False)
    if account.is_linked:
        try:
            token, secret = account.twitter_access_token, account.twitter_access_token_secret
        except DecryptionError:
            token = secret = ""
            result = Unlinked(
                had_token=True, reason="its token cannot be decrypted with BOTAUTH_ENCRYPTION_KEYS"
            )
        if token:
            try:
                oauth1.revoke(token=token, secret=secret)
                result = Unlinked(had_token=True, revoked=True)
            except XUnavailableError:
                result = Unlinked(had_token=True, reason="X did not answer")
            except XRejectedError as err:
                result = Unlinked(had_token=True, reason=f"X refused: {err.status or 'no status'}")
    account.forget_access()
    return result
