from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db.models import Max
from django.db.models.functions import Length

from botauth import conf, encryption, keepalive
from botauth.durations import duration
from botauth.exceptions import BotauthConfigurationError, DecryptionError
from botauth.keepalive import Outcome
from botauth.management.commands.verify_bot_tokens import select_accounts
from botauth.management.exits import ConfigurationErrorsExit2
from botauth.models import BotAccount


class Command(ConfigurationErrorsExit2):
    help = (
        "Refresh OAuth 2.0 bot tokens that expire within DURATION (default "
        "BOTAUTH_OAUTH2_REFRESH_MARGIN, 5 minutes), so that idle bots keep a live refresh token; "
        "run it from cron. OAuth 1.0a bots are listed as skipped. Exit 0 when every token is "
        "refreshed or fresh, 1 when some failed or need a re-link, 2 on usage or configuration "
        "errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "names", nargs="*", metavar="NAME", help="Default: every linked account."
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="JSON array out.")
        parser.add_argument(
            "--expiring-within",
            type=duration,
            default=None,
            metavar="DURATION",
            help="Refresh tokens expiring within DURATION (e.g. 30m, 2h); 3h refreshes all.",
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
        width = max(4, queryset.aggregate(w=Max(Length("name")))["w"] or 0)
        rows: list[Outcome] = []

        def show(outcome: Outcome) -> None:
            rows.append(outcome)
            if as_json:
                self.stdout.write(("[" if len(rows) == 1 else ",") + json.dumps(outcome.as_dict()))
                return
            if len(rows) == 1:
                self.stdout.write(f"{'NAME':<{width}}  {'RESULT':<9}  {'EXPIRES':<25}  DETAIL")
            expires = (
                outcome.expires_at.isoformat(timespec="seconds") if outcome.expires_at else "-"
            )
            self.stdout.write(
                f"{outcome.name:<{width}}  {outcome.result:<9}  {expires:<25}  "
                f"{outcome.detail}".rstrip()
            )

        try:
            counts = keepalive.refresh_accounts(
                keepalive.listed(queryset), within=within, on_outcome=show
            )
        except DecryptionError as err:
            raise CommandError(str(err), returncode=2) from err
        finally:
            if as_json:
                self.stdout.write("]" if rows else "[]")
        if not rows and not as_json:
            self.stdout.write("No linked bot accounts to refresh.")
        bad = sum(n for result, n in counts.items() if result in keepalive.FAILED)
        if bad:
            summary = ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))
            raise CommandError(f"{bad} of {sum(counts.values())} not refreshed: {summary}.")
