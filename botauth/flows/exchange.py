"""Completing a matched flow: claim it, exchange its code at X once, store the grant.

The flow is claimed with a compare-and-set on the row before X is called, so a callback
delivered twice exchanges once, and no database lock is held while X answers (on SQLite that
lock would block a sandbox served by the same database). X or the database failing puts the flow
back for a retry. What X granted is stored under the identity rules: an X account linked to
another bot is refused, and so is a re-link to a different X account; both store nothing.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.db import DatabaseError, IntegrityError, InterfaceError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from botauth import conf
from botauth.exceptions import (
    DecryptionError,
    FlowExpiredError,
    FlowNotFoundError,
    IdentityConflictError,
    LinkError,
    LinkUnavailableError,
    XError,
)
from botauth.flows.protocol import LinkProtocol
from botauth.log import bot, logger, said
from botauth.models import BotAccount
from botauth.oauth import AccessGrant

# What a lost or refused database connection raises (InterfaceError is not a DatabaseError).
DATABASE_ERRORS = (DatabaseError, InterfaceError)

NOT_FOUND = gettext_lazy(
    "This authorization does not match a link you started: it is unknown, was already used, "
    "or was started by another user. Start again with “Link with X” on the bot account."
)
DATABASE_DOWN = gettext_lazy(
    "The database did not answer while the link was being stored; the account was left as it "
    "was. Try again in a moment."
)


def same(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored.encode(), given.encode())


@sensitive_variables()
def complete(
    account: BotAccount,
    *,
    key: str,
    code: str,
    linked_by: Any,
    protocol: LinkProtocol,
    callback: str = "",
) -> BotAccount:
    """Exchange the code of this account's flow once; store the access pair and X identity.

    ``callback`` is the redirect URI the flow started with (OAuth 2.0 sends it again).
    """
    started = account.link_started_at
    if started is None or timezone.now() - started > conf.pending_ttl():
        account.clear_pending()
        raise FlowExpiredError(
            _("This authorization expired before X sent you back. Start again with “Link with X”.")
        )
    try:
        secret = account.twitter_oauth_token_secret
    except DecryptionError as err:
        account.clear_pending()
        raise LinkError(
            _("%(error)s This authorization cannot be finished; start again with “Link with X”.")
            % {"error": err}
        ) from err
    claimed = BotAccount.objects.filter(pk=account.pk, link_started_at=started)
    if not claimed.filter(twitter_oauth_token=key).update(twitter_oauth_token=""):
        raise FlowNotFoundError(NOT_FOUND)
    try:
        grant = protocol.exchange(
            key=key, secret=secret, code=code, callback=callback or conf.callback_url()
        )
        return store(account.pk, grant, linked_by=linked_by)
    except LinkError:
        raise
    except DATABASE_ERRORS as err:
        put_back(claimed, key, pk=account.pk)
        raise LinkUnavailableError(str(DATABASE_DOWN)) from err
    except XError as err:
        put_back(claimed, key, pk=account.pk)
        logger.warning(
            "Linking bot account %s failed at X: %s",
            bot(account.name, account.twitter_username),
            said(err),
        )
        raise
    except Exception:
        put_back(claimed, key, pk=account.pk)
        raise


def put_back(claimed: Any, key: str, *, pk: int) -> None:
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
def store(
    pk: int, grant: AccessGrant, *, linked_by: Any, end_flow_on_conflict: bool = True
) -> BotAccount:
    """Store what X granted, under the identity rules; a conflict stores nothing."""
    try:
        with transaction.atomic():
            account = BotAccount.objects.without_secrets().select_for_update().get(pk=pk)
            conflict = identity_conflict(account, grant)
            if not conflict:
                account.store_access(
                    token=grant.token,
                    secret=grant.secret,
                    user_id=grant.user_id,
                    username=grant.screen_name,
                    access_level=grant.access_level,
                    linked_by=linked_by,
                    protocol=grant.protocol,
                    refresh_token=grant.refresh_token,
                    expires_at=grant.expires_at,
                    scopes=grant.scopes,
                )
    except IntegrityError:
        # Another account took this X user between the check and the write.
        account = BotAccount.objects.without_secrets().get(pk=pk)
        conflict = identity_conflict(account, grant) or (
            _("X account @%(handle)s was linked elsewhere at the same moment; nothing was changed.")
            % {"handle": grant.screen_name}
        )
    if conflict:
        if end_flow_on_conflict:
            account.clear_pending()
        logger.warning(
            "Bot account %s was not linked to X account @%s: another bot or X account holds it.",
            bot(account.name, account.twitter_username),
            grant.screen_name,
        )
        raise IdentityConflictError(conflict)
    if grant.protocol == conf.OAUTH2:
        # X reports no access level for OAuth 2.0: the granted scopes say what the bot may do.
        logger.info(
            "Linked bot account %r to X account @%s (user id %s, OAuth 2.0, scopes %s).",
            account.name,
            grant.screen_name,
            grant.user_id,
            grant.scopes or "not reported",
        )
    else:
        logger.info(
            "Linked bot account %r to X account @%s (user id %s, access level %s).",
            account.name,
            grant.screen_name,
            grant.user_id,
            grant.access_level or "not reported",
        )
    return account


def identity_conflict(account: BotAccount, grant: AccessGrant) -> str | None:
    other = BotAccount.objects.filter(twitter_user_id=grant.user_id).exclude(pk=account.pk)
    other_name = other.values_list("name", flat=True).first()
    if other_name is not None:
        return _(
            "X account @%(handle)s is already linked to bot account “%(other)s”. Unlink it "
            "there first; nothing was changed."
        ) % {"handle": grant.screen_name, "other": other_name}
    if account.twitter_user_id and account.twitter_user_id != grant.user_id:
        return _(
            "“%(name)s” is linked to @%(linked)s, but X approved @%(approved)s. Unlink it first "
            "to link a different X account; nothing was changed."
        ) % {
            "name": account.name,
            "linked": account.twitter_username,
            "approved": grant.screen_name,
        }
    return None
