from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop, ngettext

from botauth import flows
from botauth.management.base import TranslatedHelp


class Command(TranslatedHelp):
    help = gettext_noop(
        "End every link flow started more than BOTAUTH_PENDING_TTL ago and never finished: its "
        "encrypted secret is wiped and the status goes back to unlinked (or stays linked for a "
        "re-link). Safe to run from cron at any interval; starting a link does it too."
    )

    def handle(self, *args: Any, verbosity: int, **options: Any) -> None:
        names = flows.expire_abandoned()
        if verbosity >= 2:
            for name in names:
                self.stdout.write(f"  {name}")
        if verbosity >= 1:
            done = ngettext(
                "Expired %(count)d abandoned link flow.",
                "Expired %(count)d abandoned link flows.",
                len(names),
            )
            self.stdout.write(done % {"count": len(names)})
