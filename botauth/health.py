"""Token health: what an answer of X says about a bot's token, learned from its own traffic.

get_tweepy_client() puts a TrafficHook on the client's session, so every answer X gives the
bot's own requests is recorded at no extra cost: a success, a 401, a 403 about this user, a 429
and its reset time, the x-access-level header. A busy bot must not write a row per post: each
process remembers what it last wrote per account and writes only a change, and "last seen
working" at most once per BOTAUTH_HEALTH_WRITE_INTERVAL.

One 401 is not proof: X has answered 401 for valid tokens during outages. The rule, for the
bot's traffic and verify_bot_tokens alike: the first 401 sets ``unauthorized_since``; a 401 at
least BOTAUTH_HEALTH_CONFIRM_AFTER later, with no success in between, marks the account
invalid; any success clears it and puts the account back to linked. No token is ever deleted.
"""

from __future__ import annotations

import enum
import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

# models imports this module (get_tweepy_client) and this one needs the model: with this form
# of import, Python hands out the module while it is still being initialised.
from botauth import conf
from botauth import models as botauth_models

if TYPE_CHECKING:
    from botauth.models import BotAccount

logger = logging.getLogger("botauth")


class Signal(enum.Enum):
    WORKING = "working"
    UNAUTHORIZED = "unauthorized"
    ACCOUNT_FORBIDDEN = "account_forbidden"  # suspended or locked: about this user
    APP_FORBIDDEN = "app_forbidden"  # the X app's access tier or permissions
    FORBIDDEN = "forbidden"  # about the request: a duplicate post, someone else's post
    RATE_LIMITED = "rate_limited"
    OTHER = "other"


# v1.1 error codes (X's error table): 89 invalid or expired token (sent with 403 too); 64
# suspended, 326 locked; 261 the app cannot write, 453 the app's access tier.
TOKEN_CODES = frozenset({89})
ACCOUNT_CODES = frozenset({64, 326})
APP_CODES = frozenset({261, 453})
APP_PROBLEMS = ("/client-forbidden", "/unsupported-authentication")
# v2 sends these as about:blank problems, the same sentences as v1.1's codes 64 and 326.
ACCOUNT_DETAIL = re.compile(r"your account is suspended|account is temporarily locked", re.I)
ACCESS_LEVEL = re.compile(r"[a-z-]{1,40}")


def json_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def signal_of(response: requests.Response, *, read_body: bool = True) -> Signal:
    """What this answer says about the token that signed the request (one classification)."""
    code = response.status_code
    if 200 <= code < 300:
        return Signal.WORKING
    if code == 401:
        return Signal.UNAUTHORIZED
    if code == 429:
        return Signal.RATE_LIMITED
    if code != 403:
        return Signal.OTHER
    body = json_body(response) if read_body else None
    if not isinstance(body, dict):
        return Signal.FORBIDDEN
    errors = body.get("errors")
    errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    codes = {e.get("code") for e in errors}
    if codes & TOKEN_CODES:
        return Signal.UNAUTHORIZED
    if codes & APP_CODES or str(body.get("type", "")).endswith(APP_PROBLEMS):
        return Signal.APP_FORBIDDEN
    text = " ".join([str(body.get("detail", "")), *(str(e.get("message", "")) for e in errors)])
    if codes & ACCOUNT_CODES or ACCOUNT_DETAIL.search(text):
        return Signal.ACCOUNT_FORBIDDEN
    return Signal.FORBIDDEN


def access_level_of(response: requests.Response) -> str:
    """X's x-access-level (read, read-write, read-write-directmessages); "" when absent or odd."""
    level = response.headers.get("x-access-level", "")
    return level if ACCESS_LEVEL.fullmatch(level) else ""


def reset_time_of(response: requests.Response) -> datetime | None:
    """X's x-rate-limit-reset (Unix seconds) as a time; None when absent or not a sane time."""
    reset = response.headers.get("x-rate-limit-reset", "")
    if not (reset.isdigit() and len(reset) <= 11):
        return None
    try:
        return datetime.fromtimestamp(int(reset), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


# The rule, as UPDATE expressions evaluated by the database on the row itself: no
# read-modify-write, so concurrent writers (the bot's processes, verify_bot_tokens) agree.


def after_working(now: datetime) -> dict[str, Any]:
    return {
        "status": botauth_models.BotAccount.Status.LINKED,
        "unauthorized_since": None,
        "last_seen_working_at": now,
    }


def after_unauthorized(now: datetime) -> dict[str, Any]:
    invalid = botauth_models.BotAccount.Status.INVALID
    confirmed = Q(unauthorized_since__lte=now - conf.health_confirm_after())
    return {
        "status": Case(When(confirmed, then=Value(invalid)), default=F("status")),
        "unauthorized_since": Coalesce(
            F("unauthorized_since"), Value(now, output_field=DateTimeField())
        ),
    }


def confirmed_at(unauthorized_since: datetime | None, now: datetime) -> datetime:
    """When a 401 will mark the account invalid, the first 401 being seen now or earlier."""
    return (unauthorized_since or now) + conf.health_confirm_after()


def same_link(linked_at: datetime | None) -> Q:
    """The row still holds the link a client was made from (not unlinked, not re-linked)."""
    link = Q(linked_at=linked_at) if linked_at is not None else Q(linked_at__isnull=True)
    return link & Q(status__in=botauth_models.LINKED_STATUSES)


@dataclass
class _Known:
    """What this process last wrote (or read) for one link of one account."""

    status: str
    access_level: str
    unauthorized_since: datetime | None
    rate_limit_reset_at: datetime | None
    seen_written_at: datetime | None
    gone: bool = False


_known: dict[tuple[int, datetime | None], _Known] = {}
_lock = threading.Lock()
MAX_KNOWN = 10_000


def forget() -> None:
    """Drop what this process remembers (tests; a process that serves many bots is capped)."""
    with _lock:
        _known.clear()


def _signed_by_the_bot(request: requests.PreparedRequest, *, bearer_is_the_bots: bool) -> bool:
    # For an OAuth 1.0a bot a Bearer request is app-only and says nothing about the bot's token
    # (X even sends an x-access-level for the app on them); an OAuth 2.0 bot's Bearer is its own.
    header: str | bytes = request.headers.get("Authorization", "")
    text = header.decode("latin-1") if isinstance(header, bytes) else header
    return text.startswith("OAuth ") or (bearer_is_the_bots and text.startswith("Bearer "))


class TrafficHook:
    """A requests response hook recording what X's answers say about one bot's token.

    Never raises into bot code: a failure is logged on the "botauth" logger (never a token)
    and the answer goes on to tweepy unchanged.
    """

    def __init__(self, account: BotAccount) -> None:
        self.key: tuple[int, datetime | None] = (account.pk, account.linked_at)
        self.bearer_is_the_bots = account.protocol == botauth_models.BotAccount.Protocol.OAUTH2
        self.interval = conf.health_write_interval()
        seen = account.last_seen_working_at
        with _lock:
            if len(_known) >= MAX_KNOWN:
                _known.clear()
            known = _known.get(self.key)
            if known is None:
                _known[self.key] = _Known(
                    status=account.status,
                    access_level=account.access_level,
                    unauthorized_since=account.unauthorized_since,
                    rate_limit_reset_at=account.rate_limit_reset_at,
                    seen_written_at=seen,
                )
            else:
                latest = known.seen_written_at
                if seen is not None and (latest is None or latest < seen):
                    known.seen_written_at = seen

    def __repr__(self) -> str:
        return f"<TrafficHook bot account pk={self.key[0]}>"

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        try:
            if self.key[0] is None or not _signed_by_the_bot(
                response.request, bearer_is_the_bots=self.bearer_is_the_bots
            ):
                return
            fields = self.changes(response, read_body=not kwargs.get("stream"))
        except Exception as err:  # bot code gets X's answer whatever happens here
            logger.warning(
                "botauth: could not read X's answer for bot account %s (%s)",
                self.key[0],
                type(err).__name__,
            )
            return
        if fields:
            self.write(fields)

    def changes(self, response: requests.Response, *, read_body: bool = True) -> dict[str, Any]:
        """The fields to write for this answer: only what differs from what is known."""
        Status = botauth_models.BotAccount.Status
        signal = signal_of(response, read_body=read_body)
        level = access_level_of(response)
        now = timezone.now()
        fields: dict[str, Any] = {}
        with _lock:
            known = _known.setdefault(
                self.key, _Known(Status.LINKED, "", None, None, seen_written_at=None)
            )
            if known.gone:
                return fields
            if level and level != known.access_level:
                fields["access_level"] = known.access_level = level
            if signal is Signal.WORKING:
                due = known.seen_written_at is None or now - known.seen_written_at >= self.interval
                if due or known.unauthorized_since is not None or known.status != Status.LINKED:
                    fields.update(after_working(now))
                    known.status, known.unauthorized_since = Status.LINKED, None
                    known.seen_written_at = now
            elif signal is Signal.UNAUTHORIZED:
                if known.unauthorized_since is None:
                    fields.update(after_unauthorized(now))
                    known.unauthorized_since = now
                elif known.status != Status.INVALID and now >= confirmed_at(
                    known.unauthorized_since, now
                ):
                    fields.update(after_unauthorized(now))
                    known.status = Status.INVALID
            elif signal is Signal.ACCOUNT_FORBIDDEN and known.status != Status.SUSPENDED:
                fields["status"] = known.status = Status.SUSPENDED
            elif signal is Signal.RATE_LIMITED:
                reset = reset_time_of(response)
                if reset is not None and reset != known.rate_limit_reset_at:
                    fields["rate_limit_reset_at"] = known.rate_limit_reset_at = reset
        return fields

    def write(self, fields: dict[str, Any]) -> None:
        pk, linked_at = self.key
        try:
            # A savepoint inside the bot's own transaction: a failure here leaves it usable.
            with transaction.atomic():
                updated = botauth_models.BotAccount.objects.filter(
                    same_link(linked_at), pk=pk
                ).update(**fields, updated_at=timezone.now())
        except Exception:  # never into bot code; this frame's locals hold no token
            logger.warning(
                "botauth: could not record X's answer on bot account %s", pk, exc_info=True
            )
            return
        if not updated:
            # Unlinked or re-linked since this client was made: this link is over.
            with _lock:
                if self.key in _known:
                    _known[self.key].gone = True
