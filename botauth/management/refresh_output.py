"""refresh_bot_tokens' table (its JSON array is botauth.management.output's)."""

from __future__ import annotations

from django.core.management.base import OutputWrapper
from django.utils.translation import gettext

from botauth.keepalive import Outcome
from botauth.management.output import Output


class Table(Output[Outcome]):
    def __init__(self, out: OutputWrapper, *, width: int) -> None:
        super().__init__(out)
        self.width = width

    def write(self, outcome: Outcome, *, first: bool) -> None:
        if first:
            # gettext here, not in line()'s f-string, where makemessages would not find them.
            self.line(gettext("NAME"), gettext("RESULT"), gettext("EXPIRES"), gettext("DETAIL"))
        expires = outcome.expires_at.isoformat(timespec="seconds") if outcome.expires_at else "-"
        # keepalive marks its own details with gettext_noop: the JSON array keeps them in
        # English, the table says them in the reader's language. X's errors pass unchanged.
        detail = gettext(outcome.detail) if outcome.detail else ""
        self.line(outcome.name, outcome.result, expires, detail)

    def line(self, name: str, result: str, expires: str, detail: str) -> None:
        w = self.width
        self.out.write(f"{name:<{w}}  {result:<9}  {expires:<25}  {detail}".rstrip())
