"""What a person reads about a bot account: labels and sentences for its state and history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from botauth import scopes
from botauth.models import BotAccount, can_post

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

Result = BotAccount.Verification
Status = BotAccount.Status

ACCESS_LEVEL_LABELS: dict[str, StrOrPromise] = {
    "read": _("Read only"),
    "read-write": _("Read and write"),
    "read-write-directmessages": _("Read, write and direct messages"),
}
# The same levels inside a sentence ("Linked @bot with read and write access.").
ACCESS_LEVEL_PHRASES: dict[str, StrOrPromise] = {
    "read": _("read only"),
    "read-write": _("read and write"),
    "read-write-directmessages": _("read, write and direct messages"),
}
RESULT_LABELS: dict[str, StrOrPromise] = {
    Result.VALID: _("Valid"),
    Result.INVALID: _("Invalid (401)"),
    Result.SUSPENDED: _("Suspended (403)"),
    Result.RATE_LIMITED: _("Rate limited (429)"),
    Result.ERROR: _("Error"),
    Result.EXPIRED: _("Expired (needs a refresh)"),
}
STATUS_LABELS: dict[str, StrOrPromise] = {
    Status.UNLINKED: _("Unlinked"),
    Status.PENDING: _("Pending"),
    Status.LINKED: _("Linked"),
    Status.INVALID: _("Invalid"),
    Status.SUSPENDED: _("Suspended"),
}
# A check that did not hear X's verdict on the token leaves the status as it was.
INCONCLUSIVE = frozenset({Result.RATE_LIMITED, Result.ERROR})


def access_level_label(level: str) -> str:
    return str(ACCESS_LEVEL_LABELS.get(level, level))


def access_level_phrase(level: str) -> str:
    return str(ACCESS_LEVEL_PHRASES.get(level, level))


def result_label(result: str) -> str:
    return str(RESULT_LABELS.get(result, result))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


def last_check(account: BotAccount) -> str:
    """The last verification as one sentence that never contradicts the status shown."""
    if not account.last_verification:
        return gettext("Not checked yet") if account.is_linked else "—"
    parts = [result_label(account.last_verification)]
    if account.last_verification in INCONCLUSIVE:
        parts.append(
            gettext("X gave no verdict, so the status “%(status)s” is from before")
            % {"status": status_label(account.status)}
        )
    if account.last_verification == Result.RATE_LIMITED and account.rate_limit_reset_at:
        parts.append(
            gettext("X allows the next check after %(time)s")
            % {"time": when(account.rate_limit_reset_at)}
        )
    return "; ".join(parts)


def status_summary(account: BotAccount) -> str:
    label = status_label(account.status)
    if account.status == Status.PENDING:
        return gettext("%(status)s: waiting for approval on X") % {"status": label}
    if account.status == Status.UNLINKED:
        return gettext("%(status)s: link it with X") % {"status": label}
    if account.status == Status.INVALID:
        return gettext("%(status)s: X rejected the token; re-link it") % {"status": label}
    if account.status == Status.SUSPENDED:
        return gettext("%(status)s: X refused access to this account") % {"status": label}
    if account.access_level and not can_post(account.access_level):
        return gettext("%(status)s, but it cannot post (no write access)") % {"status": label}
    return label


def access(account: BotAccount) -> str:
    if account.protocol == BotAccount.Protocol.OAUTH2:
        # X reports no access level for OAuth 2.0: the granted scopes say what the bot may do.
        lacks = scopes.lacking(scopes.split(account.scopes))
        if not lacks:
            return gettext("Posts, uploads media and refreshes its token (OAuth 2.0 scopes)")
        return scopes.describe(lacks).capitalize()
    if account.access_level:
        return access_level_label(account.access_level)
    if account.is_linked:
        return gettext("Not known yet: “Verify now” asks X")
    return "—"


def result_count(result: str, count: int) -> str:
    """One result counted, as in "2 valid" or "1 error", for a summary sentence."""
    if result == Result.VALID:
        text = ngettext("%(count)d valid", "%(count)d valid", count)
    elif result == Result.INVALID:
        text = ngettext("%(count)d invalid (401)", "%(count)d invalid (401)", count)
    elif result == Result.SUSPENDED:
        text = ngettext("%(count)d suspended (403)", "%(count)d suspended (403)", count)
    elif result == Result.RATE_LIMITED:
        text = ngettext("%(count)d rate limited (429)", "%(count)d rate limited (429)", count)
    elif result == Result.ERROR:
        text = ngettext("%(count)d error", "%(count)d errors", count)
    else:
        return f"{count} {result}"
    return text % {"count": count}


def verification_summary(
    counts: Mapping[str, int], *, skipped: int, reset_at: datetime | None
) -> str:
    if not counts:
        return gettext(
            "Nothing was verified: none of the selected bot accounts is linked to X. "
            "Link them first."
        )
    summary = ", ".join(result_count(result, n) for result, n in sorted(counts.items()))
    text = gettext("Verified with X: %(summary)s.") % {"summary": summary}
    if reset_at is not None:
        text += " " + gettext("X allows the next check after %(time)s.") % {"time": when(reset_at)}
    if skipped:
        text += " " + ngettext(
            "%(count)d unlinked bot account was skipped.",
            "%(count)d unlinked bot accounts were skipped.",
            skipped,
        ) % {"count": skipped}
    return text


def verified_history(result: str, detail: str, reset_at: datetime | None) -> str:
    text = gettext("Verified with X: %(result)s.") % {"result": result_label(result)}
    if detail:
        text += f" {detail}."
    if reset_at is not None:
        text += " " + gettext("X allows the next check after %(time)s.") % {"time": when(reset_at)}
    return text


def link_history(account: BotAccount, *, relink: bool) -> str:
    if relink:
        text = gettext("Re-linked with X as @%(handle)s (X user id %(user_id)s).")
    else:
        text = gettext("Linked with X as @%(handle)s (X user id %(user_id)s).")
    text %= {"handle": account.twitter_username, "user_id": account.twitter_user_id}
    if account.access_level:
        text += " " + gettext("Access level: %(level)s.") % {
            "level": access_level_label(account.access_level)
        }
    return text


def unlink_history(handle: str, *, revoked: bool, had_token: bool, reason: str) -> str:
    names = {"handle": handle, "reason": reason}
    if not had_token:
        return gettext("Unlinked; it had no X token.")
    if revoked:
        return gettext("Unlinked from @%(handle)s; X revoked the token.") % names
    return (
        gettext(
            "Unlinked from @%(handle)s; the token was forgotten but X did not confirm the "
            "revocation (%(reason)s)."
        )
        % names
    )
