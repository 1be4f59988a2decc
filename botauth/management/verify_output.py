"""verify_bot_tokens' table, a progress bar beside it on a terminal (its JSON array is
botauth.management.output's)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC

from django.core.management.base import OutputWrapper
from django.utils.translation import gettext

from botauth.management.output import Output
from botauth.models import BotAccount
from botauth.users_me import printable
from botauth.verification import Outcome

CLEAR_LINE = "\r\033[K"


def access_column(outcome: Outcome) -> str:
    """X's access level, or for OAuth 2.0 the access token's expiry and the granted scopes."""
    if outcome.protocol != BotAccount.Protocol.OAUTH2:
        return outcome.access_level or "-"
    expires = outcome.token_expires_at
    until = (
        gettext("until %(time)s UTC") % {"time": f"{expires.astimezone(UTC):%Y-%m-%d %H:%M}"}
        if expires
        else gettext("no expiry")
    )
    return gettext("oauth2 %(until)s; scopes %(scopes)s") % {
        "until": until,
        "scopes": outcome.scopes or "-",
    }


class ProgressBar:
    def __init__(self, err: OutputWrapper, *, total: int) -> None:
        self.err = err
        self.total = total

    def clear(self) -> None:
        self.err.write(CLEAR_LINE, ending="")

    def draw(self, counts: Counter[str]) -> None:
        done = counts.total()
        bar = "#" * (30 * done // self.total)
        detail = "  ".join(f"{r} {n}" for r, n in sorted(counts.items()))
        self.err.write(f"[{bar:<30}] {done}/{self.total}  {detail}", ending="")


class Table(Output[Outcome]):
    def __init__(self, out: OutputWrapper, *, width: int, progress: ProgressBar | None) -> None:
        super().__init__(out)
        self.width = width
        self.progress = progress

    def write(self, outcome: Outcome, *, first: bool) -> None:
        if self.progress:
            self.progress.clear()
        if first:
            # gettext here, not in line()'s f-string, where makemessages would not find them.
            self.line(
                gettext("NAME"),
                gettext("STATUS"),
                gettext("HANDLE"),
                gettext("ACCESS"),
                gettext("DETAIL"),
            )
        self.line(
            *map(
                printable,
                (
                    outcome.name,
                    outcome.result,
                    f"@{outcome.username}" if outcome.username else "-",
                    access_column(outcome),
                    outcome.detail,
                ),
            )
        )
        if self.progress:
            self.progress.draw(self.counts)

    def line(self, name: str, result: str, handle: str, access: str, detail: str) -> None:
        w = self.width
        self.out.write(f"{name:<{w}}  {result:<12}  {handle:<16}  {access:<25}  {detail}".rstrip())

    def close(self) -> None:
        if self.progress:
            self.progress.clear()

    def summary(self, text: str, *, err: OutputWrapper, verbosity: int) -> None:
        if not self.counts:
            self.nothing(gettext("No linked bot accounts to verify."))
        self.out.write(text)
