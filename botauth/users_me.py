"""What X's answer to GET /2/users/me says about a stored token, in verify_bot_tokens' terms.

The answer is hostile until checked: ids and handles must look like X's, and X's words are
kept printable only (they reach a database that refuses NUL, and terminals).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

import requests
from django.utils import timezone
from django.utils.translation import gettext as _

from botauth import health
from botauth.models import BotAccount, can_post

Result = BotAccount.Verification

# X's own rules for what it sends: a handle is 1-15 letters, digits, underscores; ids are digits.
HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
USER_ID = re.compile(r"[0-9]{1,20}")


def printable(text: str) -> str:
    """Text without control or format characters (ANSI escapes, NUL, bidi overrides)."""
    return "".join(char for char in text if unicodedata.category(char)[0] != "C")


def _problem(response: requests.Response) -> str:
    # X's words go to a database (PostgreSQL refuses NUL) and to terminals: printable only.
    body = health.json_body(response)
    if body is None:
        return printable(response.text[:120])
    if isinstance(body, dict) and "errors" in body:
        return printable("; ".join(str(e.get("message", e)) for e in body["errors"])[:200])
    if isinstance(body, dict):
        return printable(str(body.get("detail") or body.get("title") or body)[:200])
    return printable(str(body)[:200])


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _rejected(account: BotAccount, problem: str, now: datetime) -> str:
    # One 401 is not proof (health's rule): say where the account stands in it.
    since = account.unauthorized_since
    when = health.confirmed_at(since, now)
    names = {"problem": problem, "when": _utc(when), "since": _utc(since) if since else ""}
    if since is not None and now >= when:
        return _("X rejected the token: %(problem)s; 401 since %(since)s: invalid") % names
    if since is None:
        return (
            _("X rejected the token: %(problem)s; first 401, invalid if still so after %(when)s")
            % names
        )
    return (
        _(
            "X rejected the token: %(problem)s; 401 since %(since)s, invalid if still so after "
            "%(when)s"
        )
        % names
    )


def classify(account: BotAccount, response: requests.Response) -> tuple[str, str, dict[str, Any]]:
    extra: dict[str, Any] = {"access_level": health.access_level_of(response)}
    signal = health.signal_of(response)
    if response.status_code == 200:
        return _identified(account, health.json_body(response), extra)
    if signal is health.Signal.UNAUTHORIZED:
        return Result.INVALID, _rejected(account, _problem(response), timezone.now()), extra
    if signal is health.Signal.APP_FORBIDDEN:
        detail = _("X refused the app, not this bot: %(problem)s") % {"problem": _problem(response)}
        return Result.ERROR, detail, extra
    if response.status_code == 403:
        # /2/users/me has nothing of its own to forbid: any other 403 is about the account.
        detail = _("X refused access: %(problem)s") % {"problem": _problem(response)}
        return Result.SUSPENDED, detail, extra
    if signal is health.Signal.RATE_LIMITED:
        extra["rate_limit_reset_at"] = health.reset_time_of(response)
        return Result.RATE_LIMITED, _("X rate limit reached; try after the reset time"), extra
    detail = _("X answered %(status)s: %(problem)s") % {
        "status": response.status_code,
        "problem": _problem(response),
    }
    return Result.ERROR, detail, extra


def _identified(
    account: BotAccount, body: Any, extra: dict[str, Any]
) -> tuple[str, str, dict[str, Any]]:
    """A 200 from /2/users/me: the token works, if it still names the linked X user."""
    data = body.get("data") if isinstance(body, dict) else None
    user_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(user_id, str) or not USER_ID.fullmatch(user_id):
        return Result.ERROR, _("X answered 200 without user data"), extra
    if account.twitter_user_id and user_id != account.twitter_user_id:
        detail = _(
            "X says this token is user %(user_id)s, not the linked user %(linked_id)s "
            "(@%(handle)s); nothing was changed. Unlink the bot and link it again."
        ) % {
            "user_id": user_id,
            "linked_id": account.twitter_user_id,
            "handle": account.twitter_username,
        }
        return Result.ERROR, detail, extra
    notes = []
    username = data.get("username")
    if isinstance(username, str) and HANDLE.fullmatch(username):
        extra["username"] = username
        if username != account.twitter_username:
            notes.append(
                _("handle changed from @%(old)s to @%(new)s")
                % {"old": account.twitter_username, "new": username}
            )
    else:
        notes.append(
            _("X sent no valid handle; @%(handle)s kept") % {"handle": account.twitter_username}
        )
    if extra["access_level"] and not can_post(extra["access_level"]):
        notes.append(_("token cannot post (no write access)"))
    return Result.VALID, "; ".join(notes), extra
