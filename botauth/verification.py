"""Token health: one GET /2/users/me per account, run concurrently, results written in batches."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from django.db import transaction
from django.db.models import ExpressionWrapper, F, QuerySet, TextField
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.debug import sensitive_variables

from botauth import claims, encryption, health, oauth, oauth2, users_me
from botauth.exceptions import DecryptionError
from botauth.log import bot, logger
from botauth.models import BotAccount, can_post
from botauth.transport import XSession

Result = BotAccount.Verification
Status = BotAccount.Status

CHECK_FIELDS = [
    "pk",
    "name",
    "status",
    "linked_at",
    "twitter_user_id",
    "twitter_username",
    "access_level",
    "unauthorized_since",
    "protocol",
    "token_expires_at",
    "scopes",
]
UNDECRYPTABLE = gettext_lazy(
    "cannot decrypt: key missing. No key in BOTAUTH_ENCRYPTION_KEYS decrypts this bot's token; "
    "put the old key back (after the new one) or link the bot again. X was not called."
)


@dataclass(frozen=True)
class Outcome:
    name: str
    result: str
    username: str
    previous_username: str
    access_level: str
    detail: str
    rate_limit_reset_at: datetime | None
    checked_at: datetime
    x_calls: int = 1
    protocol: str = ""
    token_expires_at: datetime | None = None
    scopes: str = ""

    @property
    def can_write(self) -> bool:
        return can_post(self.access_level)

    def as_dict(self) -> dict[str, Any]:
        reset, expires = self.rate_limit_reset_at, self.token_expires_at
        return {
            "name": self.name,
            "status": self.result,
            "username": self.username,
            "previous_username": self.previous_username,
            "access_level": self.access_level,
            "can_write": self.can_write,
            "detail": self.detail,
            "rate_limit_reset_at": reset.isoformat() if reset else None,
            "checked_at": self.checked_at.isoformat(),
            "protocol": self.protocol,
            "token_expires_at": expires.isoformat() if expires else None,
            "scopes": self.scopes,
        }


_local = threading.local()


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = XSession()
    session: requests.Session = _local.session
    return session


@sensitive_variables()
def _get_users_me(account: BotAccount) -> requests.Response:
    """GET /2/users/me as the bot: OAuth 1.0a signed, or its OAuth 2.0 bearer token."""
    if account.protocol == BotAccount.Protocol.OAUTH2:
        return oauth2.get_users_me(_session(), access_token=account.twitter_access_token)
    return oauth.get_users_me(
        _session(),
        access_token=account.twitter_access_token,
        access_token_secret=account.twitter_access_token_secret,
    )


@sensitive_variables()
def check(account: BotAccount, *, retries: int = 2, backoff: float = 0.5) -> Outcome:
    """Ask X who this token belongs to; retry timeouts and 5xx only, a few times.

    An expired OAuth 2.0 access token is reported as expired without asking X.
    """
    result, detail = str(Result.ERROR), ""
    extra: dict[str, Any] = {}
    if account.access_expired:
        result, detail = Result.EXPIRED, gettext("access token expired; it needs a refresh")
        retries = -1  # no request: X would only answer 401
    calls = 0
    for attempt in range(retries + 1):
        calls += 1
        try:
            response = _get_users_me(account)
        except requests.RequestException as err:
            detail = gettext("X could not be reached: %(error)s") % {"error": type(err).__name__}
            result = Result.ERROR
        else:
            result, detail, extra = users_me.classify(account, response)
            if response.status_code < 500:
                break
        if attempt < retries:
            time.sleep(backoff * (2**attempt) * (1 + random.random() / 2))  # noqa: S311
    return Outcome(
        name=account.name,
        result=result,
        username=extra.get("username", account.twitter_username),
        previous_username=account.twitter_username,
        access_level=extra.get("access_level", "") or account.access_level,
        detail=detail,
        rate_limit_reset_at=extra.get("rate_limit_reset_at"),
        checked_at=timezone.now(),
        x_calls=calls,
        protocol=account.protocol,
        token_expires_at=account.token_expires_at,
        scopes=account.scopes,
    )


@sensitive_variables()
def in_language(
    language: str | None, call: Callable[..., Outcome], *args: Any, **kwargs: Any
) -> Outcome:
    with translation.override(language):
        return call(*args, **kwargs)


def undecryptable(account: BotAccount) -> Outcome:
    return Outcome(
        name=account.name,
        result=Result.ERROR,
        username=account.twitter_username,
        previous_username=account.twitter_username,
        access_level=account.access_level,
        detail=str(UNDECRYPTABLE),
        rate_limit_reset_at=None,
        checked_at=timezone.now(),
        x_calls=0,
    )


def _health_after(result: str, now: datetime) -> dict[str, Any]:
    """Status and health fields for a result, by the same rule as the bot's own traffic."""
    if result == Result.VALID:
        return health.after_working(now)
    if result == Result.INVALID:
        return health.after_unauthorized(now)
    if result == Result.SUSPENDED:
        return {"status": Status.SUSPENDED}
    return {}


def _apply(batch: list[tuple[BotAccount, Outcome]]) -> None:
    """Write a batch of outcomes: one UPDATE per distinct outcome, so usually a handful."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    with transaction.atomic():
        current = dict(
            BotAccount.objects.select_for_update()
            .linked()
            .filter(pk__in=[account.pk for account, _ in batch])
            .values_list("pk", "linked_at")
        )
        for account, outcome in batch:
            # An account unlinked or re-linked while it was being checked keeps its new state.
            if account.pk not in current or current[account.pk] != account.linked_at:
                continue
            renamed = outcome.username if outcome.username != account.twitter_username else None
            key = (
                renamed,
                outcome.access_level,
                outcome.result,
                outcome.detail[:255],
                outcome.rate_limit_reset_at,
            )
            groups[key].append(account.pk)
        checked_at = timezone.now()
        for (renamed, level, result, detail, reset), pks in groups.items():
            handle = {"twitter_username": renamed} if renamed is not None else {}
            BotAccount.objects.filter(pk__in=pks).update(
                **handle,
                **_health_after(result, checked_at),
                access_level=level,
                last_verification=result,
                last_verification_detail=detail,
                rate_limit_reset_at=reset,
                last_verified_at=checked_at,
                updated_at=checked_at,
                **claims.RELEASED,
            )


@sensitive_variables()
def _load(pks: list[int], *, using: str) -> Iterator[tuple[BotAccount, bool]]:
    """The accounts with their access pair decrypted here, one by one: (account, decrypted).

    A row no key decrypts (a lost key) is reported on its own instead of failing the query,
    so one such row never stops a run.
    """
    rows = (
        BotAccount.objects.using(using)
        .filter(pk__in=pks)
        .order_by("pk")
        .only(*CHECK_FIELDS)
        .annotate(
            token_ciphertext=ExpressionWrapper(F("twitter_access_token"), TextField()),
            secret_ciphertext=ExpressionWrapper(F("twitter_access_token_secret"), TextField()),
        )
    )
    for account in rows:
        annotated: Any = account  # the two ciphertexts come from annotate() above
        try:
            account.twitter_access_token = _decrypted(annotated.token_ciphertext)
            account.twitter_access_token_secret = _decrypted(annotated.secret_ciphertext)
        except DecryptionError:
            yield account, False
        else:
            yield account, True


@sensitive_variables()
def _decrypted(ciphertext: str | None) -> str:
    return encryption.decrypt(ciphertext) if ciphertext else ""


def _claimed(
    queryset: QuerySet[BotAccount], run: claims.Run, tally: Tally, *, page: int, claim: int
) -> Iterator[tuple[BotAccount, bool]]:
    """The queryset's accounts this run claims, a few at a time, just before they are checked."""
    last_pk = 0
    while True:
        pks = list(
            queryset.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:page]
        )
        for first in range(0, len(pks), claim):
            wanted = pks[first : first + claim]
            held = claims.claim(queryset, wanted, run)
            tally.elsewhere += len(wanted) - len(held)
            if held:
                yield from _load(held, using=queryset.db)
        if len(pks) < page:
            return
        last_pk = pks[-1]


class Tally(Counter[str]):
    """Outcomes counted per result; ``x_calls``: the requests sent to X, retries included;
    ``elsewhere``: accounts left to an overlapping run (held by it, or verified by it since
    this run started)."""

    x_calls: int = 0
    elsewhere: int = 0


def verify_accounts(
    queryset: QuerySet[BotAccount],
    *,
    concurrency: int,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
    chunk_size: int = 500,
    batch_size: int = 200,
    retries: int = 2,
) -> Tally:
    """Check every account of the queryset; never holds more than a chunk in memory.

    Returns the results counted (a Counter) with ``x_calls``, the requests sent to X, and
    ``elsewhere``, the accounts an overlapping run took (botauth.claims).
    """
    counts = Tally()
    run = claims.Run()
    batch: list[tuple[BotAccount, Outcome]] = []
    in_flight: dict[Future[Outcome], BotAccount] = {}

    def done(account: BotAccount, outcome: Outcome) -> None:
        counts[outcome.result] += 1
        counts.x_calls += outcome.x_calls
        batch.append((account, outcome))
        log_outcome(outcome)
        on_outcome(outcome)

    accounts = _claimed(queryset, run, counts, page=chunk_size, claim=max(4 * concurrency, 16))
    # The pool's threads do not share this thread's language: details are written in the
    # language of whoever started the run, like the admin's history of it.
    language = translation.get_language()
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            while True:
                for account, decrypted in accounts:
                    if not decrypted:
                        done(account, undecryptable(account))
                        continue
                    checking = pool.submit(in_language, language, check, account, retries=retries)
                    in_flight[checking] = account
                    if len(in_flight) >= concurrency * 2:
                        break
                if not in_flight:
                    break
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                # In the order submitted, not the set's: what finished together is reported
                # stably.
                for future in [future for future in in_flight if future in finished]:
                    done(in_flight.pop(future), future.result())
                if len(batch) >= batch_size:
                    _apply(batch)
                    batch = []
        if batch:
            _apply(batch)
    finally:
        claims.release(run, using=queryset.db)
    if counts or counts.elsewhere:
        logger.info(
            "Verified bot accounts with X: %s; X calls: %d%s.",
            ", ".join(f"{n} {result}" for result, n in sorted(counts.items())) or "none",
            counts.x_calls,
            f"; {counts.elsewhere} left to another run" if counts.elsewhere else "",
        )
    return counts


def log_outcome(outcome: Outcome) -> None:
    """One line per account: DEBUG when valid, WARNING when X failed, INFO for X's other answers."""
    if outcome.result == Result.VALID:
        level = logging.DEBUG
    elif outcome.result == Result.ERROR:
        level = logging.WARNING
    else:
        level = logging.INFO
    logger.log(
        level,
        "Verified bot account %s: %s%s",
        bot(outcome.name, outcome.username),
        outcome.result,
        f" ({outcome.detail})" if outcome.detail else "",
    )
