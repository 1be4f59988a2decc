"""Token health: one GET /2/users/me per account, run concurrently, results written in batches."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from botauth import oauth, oauth2
from botauth.models import BotAccount, can_post
from botauth.transport import XSession

Result = BotAccount.Verification
Status = BotAccount.Status

CHECK_FIELDS = [
    "pk",
    "name",
    "status",
    "linked_at",
    "twitter_username",
    "twitter_access_token",
    "twitter_access_token_secret",
    "access_level",
    "protocol",
    "token_expires_at",
    "scopes",
]
STATUS_AFTER: dict[str, str] = {
    Result.VALID: Status.LINKED,
    Result.INVALID: Status.INVALID,
    Result.SUSPENDED: Status.SUSPENDED,
}


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


def _problem(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:120]
    if isinstance(body, dict) and "errors" in body:
        return "; ".join(str(e.get("message", e)) for e in body["errors"])[:200]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)[:200]
    return str(body)[:200]


def _app_forbidden(response: requests.Response) -> bool:
    """A 403 about the X app's access tier (v2 client-forbidden, v1.1 code 453)."""
    try:
        body = response.json()
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    codes = {e.get("code") for e in body.get("errors", []) if isinstance(e, dict)}
    return str(body.get("type", "")).endswith("/client-forbidden") or 453 in codes


def _classify(account: BotAccount, response: requests.Response) -> tuple[str, str, dict[str, Any]]:
    extra: dict[str, Any] = {"access_level": response.headers.get("x-access-level", "")}
    code = response.status_code
    if code == 200:
        try:
            data = response.json()["data"]
        except (ValueError, KeyError, TypeError):
            return Result.ERROR, "X answered 200 without user data", extra
        extra["username"] = data.get("username", account.twitter_username)
        detail = ""
        if extra["username"] != account.twitter_username:
            detail = f"handle changed from @{account.twitter_username} to @{extra['username']}"
        if extra["access_level"] and not can_post(extra["access_level"]):
            detail = "; ".join(filter(None, [detail, "token cannot post (no write access)"]))
        return Result.VALID, detail, extra
    if code == 401:
        return Result.INVALID, f"X rejected the token: {_problem(response)}", extra
    if code == 403 and _app_forbidden(response):
        return Result.ERROR, f"X refused the app, not this bot: {_problem(response)}", extra
    if code == 403:
        return Result.SUSPENDED, f"X refused access: {_problem(response)}", extra
    if code == 429:
        reset = response.headers.get("x-rate-limit-reset", "")
        if reset.isdigit():
            extra["rate_limit_reset_at"] = datetime.fromtimestamp(int(reset), tz=UTC)
        return Result.RATE_LIMITED, "X rate limit reached; try after the reset time", extra
    return Result.ERROR, f"X answered {code}: {_problem(response)}", extra


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
        result, detail = Result.EXPIRED, "access token expired; it needs a refresh"
        retries = -1  # no request: X would only answer 401
    for attempt in range(retries + 1):
        try:
            response = _get_users_me(account)
        except requests.RequestException as err:
            result, detail = Result.ERROR, f"X could not be reached: {type(err).__name__}"
        else:
            result, detail, extra = _classify(account, response)
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
        protocol=account.protocol,
        token_expires_at=account.token_expires_at,
        scopes=account.scopes,
    )


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
                STATUS_AFTER.get(outcome.result, account.status),
                renamed,
                outcome.access_level,
                outcome.result,
                outcome.detail[:255],
                outcome.rate_limit_reset_at,
            )
            groups[key].append(account.pk)
        checked_at = timezone.now()
        for (status, renamed, level, result, detail, reset), pks in groups.items():
            handle = {"twitter_username": renamed} if renamed is not None else {}
            BotAccount.objects.filter(pk__in=pks).update(
                **handle,
                status=status,
                access_level=level,
                last_verification=result,
                last_verification_detail=detail,
                rate_limit_reset_at=reset,
                last_verified_at=checked_at,
                updated_at=checked_at,
            )


def _chunks(queryset: QuerySet[BotAccount], size: int) -> Iterator[BotAccount]:
    last_pk = 0
    while True:
        # defer(None): only() keeps fields the caller deferred (the admin defers the tokens), and
        # a deferred token would then be fetched by each worker thread on its own connection.
        page = queryset.filter(pk__gt=last_pk).order_by("pk").defer(None).only(*CHECK_FIELDS)
        chunk = list(page[:size])
        yield from chunk
        if len(chunk) < size:
            return
        last_pk = chunk[-1].pk


def verify_accounts(
    queryset: QuerySet[BotAccount],
    *,
    concurrency: int,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
    chunk_size: int = 500,
    batch_size: int = 200,
    retries: int = 2,
) -> Counter[str]:
    """Check every account of the queryset; never holds more than a chunk in memory."""
    counts: Counter[str] = Counter()
    batch: list[tuple[BotAccount, Outcome]] = []
    in_flight: dict[Future[Outcome], BotAccount] = {}
    accounts = _chunks(queryset, chunk_size)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        while True:
            for account in accounts:
                in_flight[pool.submit(check, account, retries=retries)] = account
                if len(in_flight) >= concurrency * 2:
                    break
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                account, outcome = in_flight.pop(future), future.result()
                counts[outcome.result] += 1
                batch.append((account, outcome))
                on_outcome(outcome)
            if len(batch) >= batch_size:
                _apply(batch)
                batch = []
    if batch:
        _apply(batch)
    return counts
