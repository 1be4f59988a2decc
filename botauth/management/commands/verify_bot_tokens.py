from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from botauth import conf, encryption
from botauth.durations import duration, positive_int
from botauth.exceptions import BotauthConfigurationError, DecryptionError
from botauth.models import LINKED_STATUSES, BotAccount
from botauth.verification import Outcome, verify_accounts


def access(outcome: Outcome) -> str:
    """The ACCESS column: X's access level, or for OAuth 2.0 the token's expiry and scopes."""
    if outcome.protocol != BotAccount.Protocol.OAUTH2:
        return outcome.access_level or "-"
    expires = outcome.token_expires_at
    until = f"until {expires.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if expires else "no expiry"
    return f"oauth2 {until}; scopes {outcome.scopes or '-'}"


def select_accounts(*, names: list[str], stale_after: timedelta | None) -> QuerySet[BotAccount]:
    queryset = BotAccount.objects.linked()
    if names:
        found = dict(BotAccount.objects.filter(name__in=names).values_list("name", "status"))
        unknown = [n for n in names if n not in found]
        if unknown:
            raise CommandError(
                f"No bot account named {', '.join(map(repr, unknown))}.", returncode=2
            )
        unlinked = [n for n in names if found[n] not in LINKED_STATUSES]
        if unlinked:
            raise CommandError(
                f"{', '.join(map(repr, unlinked))} not linked; link with X first.", returncode=2
            )
        queryset = queryset.filter(name__in=names)
    if stale_after is not None:
        cutoff = timezone.now() - stale_after
        queryset = queryset.filter(
            Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff)
        )
    return queryset


class Command(BaseCommand):
    help = (
        "Check stored X tokens with one GET /2/users/me each and record the result. "
        "Exit 0 when every checked account is valid, 1 otherwise, 2 on usage or configuration "
        "errors. Never deletes a token."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "names", nargs="*", metavar="NAME", help="Default: every linked account."
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="JSON array out.")
        parser.add_argument(
            "--concurrency", type=positive_int, default=None, help="Requests in flight (16)."
        )
        parser.add_argument(
            "--stale-after",
            type=duration,
            default=None,
            metavar="DURATION",
            help="Only accounts not verified within DURATION (e.g. 6h, 2d).",
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
        total = queryset.count()
        progress = not as_json and self.stderr.isatty() and total > 0
        width = max(4, queryset.aggregate(w=Max(Length("name")))["w"] or 0)
        first = True
        counts: Counter[str] = Counter()

        def show(outcome: Outcome) -> None:
            nonlocal first
            counts[outcome.result] += 1
            if as_json:
                self.stdout.write(("[" if first else ",") + json.dumps(outcome.as_dict()))
            else:
                if progress:
                    self.stderr.write("\r\033[K", ending="")
                if first:
                    self.stdout.write(
                        f"{'NAME':<{width}}  {'STATUS':<12}  {'HANDLE':<16}  {'ACCESS':<25}  DETAIL"
                    )
                handle = f"@{outcome.username}" if outcome.username else "-"
                self.stdout.write(
                    f"{outcome.name:<{width}}  {outcome.result:<12}  {handle:<16}  "
                    f"{access(outcome):<25}  {outcome.detail}".rstrip()
                )
                if progress:
                    self.stderr.write(self.progress(counts, total), ending="")
            first = False

        try:
            verify_accounts(
                queryset, concurrency=concurrency or conf.verify_concurrency(), on_outcome=show
            )
        except DecryptionError as err:
            raise CommandError(str(err), returncode=2) from err
        finally:
            if as_json:
                self.stdout.write("[]" if first else "]")
            elif progress:
                self.stderr.write("\r\033[K", ending="")
        if first and not as_json:
            self.stdout.write("No linked bot accounts to verify.")
        bad = sum(n for result, n in counts.items() if result != BotAccount.Verification.VALID)
        if bad:
            summary = ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))
            raise CommandError(f"{bad} of {sum(counts.values())} not valid: {summary}.")

    @staticmethod
    def progress(counts: Counter[str], total: int) -> str:
        done = sum(counts.values())
        bar = "#" * (30 * done // total)
        detail = "  ".join(f"{r} {n}" for r, n in sorted(counts.items()))
        return f"[{bar:<30}] {done}/{total}  {detail}"
