from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db.models import Max, QuerySet
from django.db.models.functions import Length
from django.utils.translation import gettext, gettext_noop

from botauth import conf, encryption, keepalive
from botauth.durations import duration
from botauth.exceptions import BotauthConfigurationError, DecryptionError
from botauth.keepalive import Outcome
from botauth.management import refresh_output
from botauth.management.commands.verify_bot_tokens import select_accounts
from botauth.management.exits import ConfigurationErrorsExit2
from botauth.management.output import JsonArray, Output
from botauth.models import BotAccount


class Command(ConfigurationErrorsExit2):
    help = gettext_noop(
        "Refresh OAuth 2.0 bot tokens that expire within DURATION (default "
        "BOTAUTH_OAUTH2_REFRESH_MARGIN, 5 minutes), so that idle bots keep a live refresh token; "
        "run it from cron. OAuth 1.0a bots are listed as skipped. Exit 0 when every token is "
        "refreshed or fresh, 1 when some failed or need a re-link, 2 on usage or configuration "
        "errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "names", nargs="*", metavar="NAME", help=gettext("Default: every linked account.")
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help=gettext("JSON array out.")
        )
        parser.add_argument(
            "--expiring-within",
            type=duration,
            default=None,
            metavar="DURATION",
            help=gettext(
                "Refresh tokens expiring within DURATION (e.g. 30m, 2h); 3h refreshes all."
            ),
        )

    def handle(
        self,
        *args: Any,
        names: list[str],
        as_json: bool,
        expiring_within: timedelta | None,
        **options: Any,
    ) -> None:
        queryset = select_accounts(names=names, stale_after=None)
        try:
            within = expiring_within or conf.oauth2_refresh_margin()
            encryption.multi_fernet()
            if queryset.filter(protocol=BotAccount.Protocol.OAUTH2).exists():
                conf.client_credentials()
        except BotauthConfigurationError as err:
            raise CommandError(str(err), returncode=2) from err
        output = self.output(as_json=as_json, queryset=queryset)
        try:
            counts = keepalive.refresh_accounts(
                keepalive.listed(queryset), within=within, on_outcome=output
            )
        except DecryptionError as err:
            raise CommandError(str(err), returncode=2) from err
        finally:
            output.close()
        if not output.counts:
            output.nothing(gettext("No linked bot accounts to refresh."))
        bad = sum(n for result, n in counts.items() if result in keepalive.FAILED)
        if bad:
            results = ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))
            raise CommandError(
                gettext("%(bad)d of %(total)d not refreshed: %(results)s.")
                % {"bad": bad, "total": sum(counts.values()), "results": results}
            )

    def output(self, *, as_json: bool, queryset: QuerySet[BotAccount]) -> Output[Outcome]:
        if as_json:
            return JsonArray(self.stdout)
        longest = queryset.aggregate(w=Max(Length("name")))["w"] or 0
        return refresh_output.Table(self.stdout, width=max(len(gettext("NAME")), longest))
