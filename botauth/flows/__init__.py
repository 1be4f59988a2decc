"""Linking a bot account with X, whatever the protocol: the API views and commands call.

start_link() asks X for a flow and keeps it pending on the account; finish_link() takes X's
callback parameters and, in one call, matches them to a pending flow of this user (and of this
browser session, when it started in one) and completes or cancels it; complete_link() completes
a flow the caller holds already (the PIN command); import_access() stores a pair X confirms;
unlink() revokes and forgets; expire_abandoned() ends flows nobody came back to. What differs
between protocols lives in one module each (oauth1.py, oauth2.py), chosen at the start by the
caller or the settings, at the callback by its parameters (protocol_for()), and at unlink by
what the account is linked with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from botauth import conf, encryption, oauth
from botauth.exceptions import (
    DecryptionError,
    FlowNotFoundError,
    LinkError,
    LinkForbiddenError,
    LinkUnavailableError,
    XError,
    XRejectedError,
    XUnavailableError,
)
from botauth.flows import binding, exchange, oauth1, oauth2
from botauth.flows.binding import Session
from botauth.flows.protocol import LinkProtocol
from botauth.log import bot, logger, said
from botauth.models import ACCESS_CLEARED, PENDING_CLEARED, BotAccount

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

PROTOCOLS: dict[str, LinkProtocol] = {oauth1.NAME: oauth1, oauth2.NAME: oauth2}
# The callback of the PIN flow, which only OAuth 1.0a has.
OOB = "oob"
OTHER_SESSION = gettext_lazy(
    "This authorization belongs to a link started in another browser session. Finish it in "
    "the browser that started it, or start again here with “Link with X”."
)


@dataclass(frozen=True)
class Finished:
    account: BotAccount
    cancelled: bool = False
    # The account was linked before this flow: it was a re-link.
    relinked: bool = False


@dataclass(frozen=True)
class Unlinked:
    had_token: bool
    revoked: bool = False
    reason: str = ""


def _person(user: Any) -> Any:
    return user if user is not None and user.is_authenticated else None


def protocol_for(query: QueryDict) -> LinkProtocol:
    """The protocol whose callback this is, told by its parameters."""
    given = set(query)
    if given & set(oauth2.NAMES):
        if given & set(oauth1.NAMES):
            raise LinkError(
                _("X's answer mixes OAuth 1.0a and OAuth 2.0 parameters; it was not sent by X.")
            )
        return oauth2
    return oauth1


def protocol_named(name: str) -> LinkProtocol:
    protocol = PROTOCOLS.get(name)
    if protocol is None:
        raise LinkError(
            _(
                "Unknown protocol %(name)s: use oauth1 (OAuth 1.0a) or oauth2 (OAuth 2.0). "
                "Nothing was started."
            )
            % {"name": repr(name[:20])}
        )
    return protocol


def expire_abandoned() -> list[str]:
    """End every flow older than BOTAUTH_PENDING_TTL, wiping its secret; their names, sorted."""
    with transaction.atomic():
        abandoned = BotAccount.objects.abandoned().select_for_update()
        names = dict(abandoned.values_list("pk", "name"))
        BotAccount.objects.filter(pk__in=names).clear_pending()
    return sorted(names.values())


@sensitive_variables()
def start_link(
    *,
    account: BotAccount,
    user: Any,
    callback: str,
    session: Session | None = None,
    protocol: str = "",
) -> str:
    """Get a flow from X, keep it pending on the account, return the URL to send the person to.

    ``protocol`` is "oauth1" or "oauth2"; by default OAuth 2.0 when a Client ID is configured,
    OAuth 1.0a otherwise, and always OAuth 1.0a for the PIN flow (callback "oob"). Given the
    browser's session, only that session can finish the flow. Nothing is stored when X fails
    (XError propagates) or the protocol is unknown (LinkError).
    """
    default = oauth1.NAME if callback == OOB else conf.default_protocol()
    chosen = protocol_named(protocol or default)
    if callback == OOB and chosen is not oauth1:
        raise LinkError(_("X's OAuth 2.0 has no PIN flow; link with OAuth 1.0a or from the admin."))
    encryption.multi_fernet()  # no key, no flow: X is not asked for one that cannot be stored
    try:
        started = chosen.start(callback=callback, screen_name=account.twitter_username)
    except XError as err:
        logger.warning(
            "Could not start linking bot account %s with X: %s",
            bot(account.name, account.twitter_username),
            said(err),
        )
        raise
    # Abandoned flows end here too, so statuses stay true without cron (one UPDATE).
    BotAccount.objects.abandoned().clear_pending()
    account.begin_link(
        flow_key=started.key,
        flow_secret=started.secret,
        started_by=_person(user),
        session_hash=binding.bind(session, account),
        protocol=chosen.NAME,
    )
    return started.url


@sensitive_variables()
def finish_link(
    *,
    query: QueryDict,
    user: Any,
    session: Session | None = None,
    may_change: Callable[[BotAccount], bool] | None = None,
    callback: str = "",
) -> Finished:
    """Complete or cancel, from X's callback parameters, the pending flow this user started.

    ``may_change`` is asked again whether the user may still change the account; ``callback``
    is the URL the flow was started with (OAuth 2.0 sends it to X again).
    """
    protocol = protocol_for(query)
    answer = protocol.parse(query)
    account: BotAccount | None = None
    try:
        account = find_pending(oauth_token=answer.key, user=user, session=session)
        if (account.link_protocol or oauth1.NAME) != protocol.NAME:
            raise FlowNotFoundError(exchange.NOT_FOUND)
        relinked = account.is_linked
        if may_change is not None and not may_change(account):
            account.clear_pending()
            raise LinkForbiddenError(
                _(
                    "You may no longer change “%(name)s”, so the link was not completed and its "
                    "authorization was discarded."
                )
                % {"name": account.name}
            )
        if answer.cancelled:
            account.clear_pending()
            logger.info(
                "Linking bot account %s was cancelled on X.",
                bot(account.name, account.twitter_username),
            )
            finished = Finished(account=account, cancelled=True, relinked=relinked)
        else:
            linked = exchange.complete(
                account,
                key=answer.key,
                code=answer.code,
                linked_by=_person(user),
                protocol=protocol,
                callback=callback,
            )
            finished = Finished(account=linked, relinked=relinked)
    except exchange.DATABASE_ERRORS as err:
        raise LinkUnavailableError(str(exchange.DATABASE_DOWN)) from err
    except LinkError as err:
        # The bot whose flow it was, for a link back to it.
        err.account = account
        raise
    return finished


@sensitive_variables()
def find_pending(*, oauth_token: str, user: Any, session: Session | None = None) -> BotAccount:
    """The account whose pending flow this user started with this key (constant-time match).

    Only the keys are compared; no row's secrets are read.
    """
    if user is None or user.pk is None:
        raise FlowNotFoundError(exchange.NOT_FOUND)
    candidates = (
        BotAccount.objects.without_secrets()
        .filter(link_started_by=user.pk)
        .exclude(twitter_oauth_token="")
    )
    match = None
    for candidate in candidates:
        if exchange.same(candidate.twitter_oauth_token, oauth_token):
            match = candidate
    if match is None:
        raise FlowNotFoundError(exchange.NOT_FOUND)
    if not binding.bound_here(session, match):
        raise FlowNotFoundError(str(OTHER_SESSION))
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
    if (
        account.link_started_by_id != started_by
        or (account.link_protocol or oauth1.NAME) != oauth1.NAME
        or not exchange.same(account.twitter_oauth_token, oauth_token)
    ):
        raise FlowNotFoundError(exchange.NOT_FOUND)
    if not binding.bound_here(session, account):
        raise FlowNotFoundError(str(OTHER_SESSION))
    return exchange.complete(
        account, key=oauth_token, code=verifier, linked_by=_person(user), protocol=oauth1
    )


@sensitive_variables()
def import_access(*, account: BotAccount, token: str, secret: str) -> BotAccount:
    """Store an access pair the caller holds, once X says whose it is (one GET /2/users/me).

    The same identity rules as a link apply; nothing is stored when X refuses the pair.
    """
    if not (oauth.TOKEN_VALUE_RE.fullmatch(token) and oauth.TOKEN_VALUE_RE.fullmatch(secret)):
        raise LinkError(
            _(
                "That is not an access token and secret: each is one line of printable "
                "characters without spaces."
            )
        )
    try:
        grant = oauth1.identify(token=token, secret=secret)
    except XError as err:
        logger.warning(
            "X did not confirm the pair imported for bot account %r: %s", account.name, said(err)
        )
        raise
    try:
        return exchange.store(account.pk, grant, linked_by=None, end_flow_on_conflict=False)
    except exchange.DATABASE_ERRORS as err:
        raise LinkUnavailableError(str(exchange.DATABASE_DOWN)) from err


@sensitive_variables()
def unlink(*, account: BotAccount) -> Unlinked:
    """Revoke the access pair at X when possible, then forget it and the X identity.

    A pair that cannot be decrypted (a lost key) cannot be revoked, and is forgotten all the same.
    """
    result = Unlinked(had_token=False)
    handle = account.twitter_username
    # What each protocol revokes: OAuth 1.0a its pair, OAuth 2.0 its access and refresh tokens.
    protocol: LinkProtocol = oauth1
    second = "twitter_access_token_secret"
    if account.protocol == oauth2.NAME:
        protocol, second = oauth2, "twitter_refresh_token"
    if account.is_linked:
        try:
            token, secret = account.twitter_access_token, getattr(account, second)
        except DecryptionError:
            token = secret = ""
            result = Unlinked(
                had_token=True,
                reason=_("its token cannot be decrypted with BOTAUTH_ENCRYPTION_KEYS"),
            )
        if token:
            try:
                protocol.revoke(token=token, secret=secret)
                result = Unlinked(had_token=True, revoked=True)
            except XUnavailableError:
                result = Unlinked(had_token=True, reason=_("X did not answer"))
            except XRejectedError as err:
                reason = _("X refused: %(status)s") % {"status": err.status or _("no status")}
                result = Unlinked(had_token=True, reason=reason)
    account.forget_access()
    _log_unlinked(account.name, handle, result)
    return result


def _log_unlinked(name: str, handle: str, result: Unlinked) -> None:
    if result.revoked:
        logger.info("Unlinked bot account %s; X revoked its token.", bot(name, handle))
    elif not result.had_token:
        logger.info("Unlinked bot account %s; it had no token.", bot(name, handle))
    else:
        logger.warning(
            "Unlinked bot account %s and forgot its token, but X did not confirm the "
            "revocation (%s).",
            bot(name, handle),
            result.reason,
        )
