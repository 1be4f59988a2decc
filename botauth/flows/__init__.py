"""Linking a bot account with X, whatever the protocol: the API views and commands call.

start_link() asks X for a flow and keeps it pending on the account; finish_link() takes X's
callback parameters and, in one call, matches them to a pending flow of this user and completes
or cancels it; complete_link() completes a flow the caller holds already (the PIN command);
unlink() revokes and forgets. What differs between protocols lives in one module each
(oauth1.py, oauth2.py), chosen at the start by the caller or the settings, at the callback by
its parameters (protocol_for), and at unlink by what the account is linked with.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from botauth import conf
from botauth.exceptions import (
    FlowExpiredError,
    FlowNotFoundError,
    IdentityConflictError,
    LinkError,
    XError,
    XRejectedError,
    XUnavailableError,
)
from botauth.flows import oauth1, oauth2
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
    "find_pending",
    "finish_link",
    "start_link",
    "unlink",
]

PROTOCOLS: dict[str, LinkProtocol] = {oauth1.NAME: oauth1, oauth2.NAME: oauth2}
# The callback of the PIN flow, which only OAuth 1.0a has.
OOB = "oob"
NOT_FOUND = (
    "This authorization does not match a link you started: it is unknown, was already used, "
    "or was started by another user. Start again with “Link with X” on the bot account."
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
    """The protocol whose callback this is, told by its parameters."""
    given = set(query)
    if given & set(oauth2.NAMES):
        if given & set(oauth1.NAMES):
            raise LinkError(
                "X's answer mixes OAuth 1.0a and OAuth 2.0 parameters; it was not sent by X."
            )
        return oauth2
    return oauth1


def protocol_named(name: str) -> LinkProtocol:
    protocol = PROTOCOLS.get(name)
    if protocol is None:
        raise LinkError(
            f"Unknown protocol {name[:20]!r}: use oauth1 (OAuth 1.0a) or oauth2 (OAuth 2.0). "
            "Nothing was started."
        )
    return protocol


@sensitive_variables()
def start_link(*, account: BotAccount, user: Any, callback: str, protocol: str = "") -> str:
    """Get a flow from X, keep it pending on the account, return the URL to send the person to.

    ``protocol`` is "oauth1" or "oauth2"; by default OAuth 2.0 when a Client ID is configured,
    OAuth 1.0a otherwise, and always OAuth 1.0a for the PIN flow (callback "oob"). Nothing is
    stored when X fails (XError propagates) or the protocol is unknown (LinkError).
    """
    chosen = protocol_named(
        protocol or (oauth1.NAME if callback == OOB else conf.default_protocol())
    )
    if callback == OOB and chosen is not oauth1:
        raise LinkError("X's OAuth 2.0 has no PIN flow; link with OAuth 1.0a or from the admin.")
    started = chosen.start(callback=callback, screen_name=account.twitter_username)
    account.begin_link(
        flow_key=started.key,
        flow_secret=started.secret,
        started_by=_person(user),
        protocol=chosen.NAME,
    )
    return started.url


@sensitive_variables()
def finish_link(*, query: QueryDict, user: Any, callback: str = "") -> Finished:
    """Complete or cancel, from X's callback parameters, the pending flow this user started.

    ``callback`` is the URL the flow was started with (OAuth 2.0 sends it to X again).
    """
    protocol = protocol_for(query)
    answer = protocol.parse(query)
    account = find_pending(oauth_token=answer.key, user=user)
    if (account.link_protocol or oauth1.NAME) != protocol.NAME:
        raise FlowNotFoundError(NOT_FOUND)
    if answer.cancelled:
        account.clear_pending()
        return Finished(account=account, cancelled=True)
    linked = _complete(
        account, key=answer.key, code=answer.code, user=user, protocol=protocol, callback=callback
    )
    return Finished(account=linked)


@sensitive_variables()
def find_pending(*, oauth_token: str, user: Any) -> BotAccount:
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
    return match


def cancel_link(*, denied_token: str, user: Any) -> BotAccount:
    account = find_pending(oauth_token=denied_token, user=user)
    account.clear_pending()
    return account


def clear_pending(account: BotAccount) -> None:
    account.clear_pending()


@sensitive_variables()
def complete_link(*, account: BotAccount, oauth_token: str, verifier: str, user: Any) -> BotAccount:
    """Complete the account's pending OAuth 1.0a flow with X's verifier (or PIN)."""
    started_by = user.pk if user is not None else None
    if (
        account.link_started_by_id != started_by
        or (account.link_protocol or oauth1.NAME) != oauth1.NAME
        or not _same(account.twitter_oauth_token, oauth_token)
    ):
        raise FlowNotFoundError(NOT_FOUND)
    return _complete(account, key=oauth_token, code=verifier, user=user, protocol=oauth1)


@sensitive_variables()
def _complete(
    account: BotAccount,
    *,
    key: str,
    code: str,
    user: Any,
    protocol: LinkProtocol,
    callback: str = "",
) -> BotAccount:
    """Exchange the code once and store the access pair and X identity.

    The flow is claimed with a compare-and-set on the row before X is called, so a callback
    delivered twice exchanges once, and no database lock is held while X answers (on SQLite
    that lock would block a sandbox served by the same database). X failing puts the flow back
    for a retry; an identity conflict clears the (now used) flow and keeps the stored pair.
    """
    started = account.link_started_at
    if started is None or timezone.now() - started > conf.pending_ttl():
        account.clear_pending()
        raise FlowExpiredError(
            "This authorization expired before X sent you back. Start again with “Link with X”."
        )
    secret = account.twitter_oauth_token_secret
    pending = BotAccount.objects.filter(pk=account.pk, link_started_at=started)
    if not pending.filter(twitter_oauth_token=key).update(twitter_oauth_token=""):
        raise FlowNotFoundError(NOT_FOUND)
    try:
        grant = protocol.exchange(
            key=key, secret=secret, code=code, callback=callback or conf.callback_url()
        )
    except XError:
        pending.filter(twitter_oauth_token="").update(twitter_oauth_token=key)
        raise
    return _store(account.pk, grant, linked_by=_person(user))


@sensitive_variables()
def _store(pk: int, grant: AccessGrant, *, linked_by: Any) -> BotAccount:
    """Store what X granted, under the identity rules; on a conflict end the flow, keep the pair."""
    try:
        with transaction.atomic():
            account = BotAccount.objects.without_secrets().select_for_update().get(pk=pk)
            conflict = _identity_conflict(account, grant)
            if conflict:
                account.clear_pending()
            else:
                account.store_access(
                    token=grant.token,
                    secret=grant.secret,
                    user_id=grant.user_id,
                    username=grant.screen_name,
                    linked_by=linked_by,
                    protocol=grant.protocol,
                    refresh_token=grant.refresh_token,
                    expires_at=grant.expires_at,
                    scopes=grant.scopes,
                )
    except IntegrityError:
        # Another account took this X user between the check and the write.
        account = BotAccount.objects.without_secrets().get(pk=pk)
        account.clear_pending()
        conflict = _identity_conflict(account, grant) or (
            f"X account @{grant.screen_name} was linked elsewhere at the same moment; "
            "nothing was changed."
        )
    if conflict:
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
    """Revoke the access pair at X when possible, then forget it and the X identity."""
    result = Unlinked(had_token=False)
    if account.is_linked and account.twitter_access_token:
        try:
            _revoke(account)
            result = Unlinked(had_token=True, revoked=True)
        except XUnavailableError:
            result = Unlinked(had_token=True, reason="X did not answer")
        except XRejectedError as err:
            result = Unlinked(had_token=True, reason=f"X refused: {err.status or 'no status'}")
    account.forget_access()
    return result


@sensitive_variables()
def _revoke(account: BotAccount) -> None:
    if account.protocol == oauth2.NAME:
        oauth2.revoke(token=account.twitter_access_token, secret=account.twitter_refresh_token)
    else:
        oauth1.revoke(
            token=account.twitter_access_token, secret=account.twitter_access_token_secret
        )
