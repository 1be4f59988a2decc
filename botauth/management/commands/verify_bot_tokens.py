from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import (
    CommandError,
    CommandParser,
)
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from botauth import conf, encryption
from botauth.durations import duration, positive_int
from botauth.exceptions import BotauthConfigurationError
from botauth.management.exits import ConfigurationErrorsExit2
from botauth.management.output import JsonArray, Output
from botauth.management.verify_output import ProgressBar, Table
from botauth.models import BotAccount
from botauth.verification import Outcome, verify_accounts

# A result of this command only, never stored: a named account with no link to check.
UNLINKED = "unlinked"


def select_accounts(*, names: list[str], stale_after: timedelta | None) -> QuerySet[BotAccount]:
    """The linked accounts to check: all, or those named (an unknown name is a usage error)."""
    queryset = BotAccount.objects.linked()
    if names:
        known = set(BotAccount.objects.filter(name__in=names).values_list("name", flat=True))
        unknown = [n for n in names if n not in known]
        if unknown:
            raise CommandError(
                gettext("No bot account named %(names)s.")
                % {"names": ", ".join(map(repr, unknown))},
                returncode=2,
            )
        queryset = queryset.filter(name__in=names)
    if stale_after is not None:
        cutoff = timezone.now() - stale_after
        queryset = queryset.filter(
            Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff)
        ).exclude(
            # The bot's own requests proved the token within the window (botauth.health), and
            # no 401 came after them.
            status=BotAccount.Status.LINKED,
            unauthorized_since__isnull=True,
            last_seen_working_at__gte=cutoff,
        )
    return queryset


def not_linked(*, names: list[str]) -> list[Outcome]:
    """An `unlinked` result for each named account that has no link to check, in given order."""
    accounts = {
        account.name: account
        for account in BotAccount.objects.filter(name__in=names).not_linked().only("name", "status")
    }
    now = timezone.now()
    return [
        Outcome(
            name=name,
            result=UNLINKED,
            username="",
            previous_username="",
            access_level="",
            detail=(
                gettext("a link with X is pending; finish it or start again")
                if accounts[name].status == BotAccount.Status.PENDING
                else gettext("not linked; link it with X first")
            ),
            rate_limit_reset_at=None,
            checked_at=now,
            x_calls=0,
        )
        for name in dict.fromkeys(names)
        if name in accounts
    ]


class Command(ConfigurationErrorsExit2):
    help = gettext_noop(
        "Check stored X tokens with one GET /2/users/me each and record the result. "
        "Exit 0 when every checked account is valid, 1 otherwise, 2 on usage or configuration "
        "errors. Never deletes a token."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "names", nargs="*", metavar="NAME", help=gettext("Default: every linked account.")
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help=gettext("JSON array out.")
        )
        parser.add_argument(
            "--concurrency",
            type=positive_int,
            default=None,
            help=gettext("Requests in flight (16)."),
        )
        parser.add_argument(
            "--stale-after",
            type=duration,
            default=None,
            metavar="DURATION",
            help=gettext("Only accounts not verified within DURATION (e.g. 6h, 2d)."),
        )

    def handle(
        self,
        *args: Any,
        names: list[str],
        as_json: bool,
        concurrency: int | None,
        stale_after: timedelta | None,
        **options: Any,
    ) -> None:
        queryset = select_accounts(names=names, stale_after=stale_after)
        try:
            # OAuth 2.0 bots are checked with their own bearer token, without the app's keys.
            if queryset.exclude(protocol=BotAccount.Protocol.OAUTH2).exists():
                conf.consumer_credentials()
            encryption.multi_fernet()
        except BotauthConfigurationError as err:
            raise CommandError(str(err), returncode=2) from err
        unlinked = not_linked(names=names)
        total = queryset.count() + len(unlinked)
        fresh = 0
        if stale_after is not None:
            fresh = select_accounts(names=names, stale_after=None).count() + len(unlinked) - total
        output = self.output(as_json=as_json, queryset=queryset, unlinked=unlinked, total=total)
        try:
            for outcome in unlinked:
                output(outcome)
            tally = verify_accounts(
                queryset, concurrency=concurrency or conf.verify_concurrency(), on_outcome=output
            )
        finally:
            output.close()
        summary = self.summary(
            checked=sum(tally.values()),
            unlinked=len(unlinked),
            fresh=fresh,
            elsewhere=tally.elsewhere,
            x_calls=tally.x_calls,
        )
        output.summary(summary, err=self.stderr, verbosity=options["verbosity"])
        counts = output.counts
        bad = sum(n for result, n in counts.items() if result != BotAccount.Verification.VALID)
        if bad:
            results = ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))
            raise CommandError(
                gettext("%(bad)d of %(total)d not valid: %(results)s.")
                % {"bad": bad, "total": sum(counts.values()), "results": results}
            )

    def output(
        self,
        *,
        as_json: bool,
        queryset: QuerySet[BotAccount],
        unlinked: list[Outcome],
        total: int,
    ) -> Output[Outcome]:
        if as_json:
            return JsonArray(self.stdout)
        longest = queryset.aggregate(w=Max(Length("name")))["w"] or 0
        width = max(4, longest, *(len(outcome.name) for outcome in unlinked))
        progress = ProgressBar(self.stderr, total=total) if self.stderr.isatty() and total else None
        return Table(self.stdout, width=width, progress=progress)

    @staticmethod
    def summary(*, checked: int, unlinked: int, fresh: int, elsewhere: int, x_calls: int) -> str:
        parts = [gettext("%(checked)d checked") % {"checked": checked}]
        if unlinked:
            parts.append(gettext("%(unlinked)d not linked") % {"unlinked": unlinked})
        if fresh:
            parts.append(
                gettext("%(fresh)d skipped as verified or seen working within --stale-after")
                % {"fresh": fresh}
            )
        if elsewhere:
            parts.append(
                gettext("%(elsewhere)d left to another run at the same time")
                % {"elsewhere": elsewhere}
            )
        parts.append(gettext("%(x_calls)d X calls") % {"x_calls": x_calls})
        return ", ".join(parts) + "."
