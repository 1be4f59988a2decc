from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from botauth import flows
from botauth.callback import TOKEN_RE
from botauth.exceptions import BotauthConfigurationError, LinkError, XError
from botauth.models import BotAccount


class Command(BaseCommand):
    help = (
        "Link a bot account with X's PIN flow, for when no callback URL is reachable: open the "
        "printed URL as the bot, approve, and type the PIN X shows."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The BotAccount's name.")
        parser.add_argument("--create", action="store_true", help="Create it if missing.")

    def handle(self, *args: Any, name: str, create: bool, **options: Any) -> None:
        stdin = options.get("stdin") or sys.stdin
        created = False
        if create:
            account, created = BotAccount.objects.get_or_create(name=name)
        else:
            found = BotAccount.objects.filter(name=name).first()
            if found is None:
                raise CommandError(f"No bot account named {name!r}; add --create to create it.")
            account = found
        try:
            url = flows.start_link(account=account, user=None, callback="oob")
            self.stdout.write(f"Open this URL, sign in to X as the bot and approve:\n\n  {url}\n")
            self.stdout.write("PIN: ", ending="")
            self.stdout.flush()
            pin = stdin.readline().strip()
            if not pin:
                raise LinkError("No PIN was entered.")
            if not TOKEN_RE.fullmatch(pin):
                raise LinkError("That is not a PIN from X (X's PINs are 7 digits).")
            linked = flows.complete_link(
                account=account,
                oauth_token=account.twitter_oauth_token,
                verifier=pin,
                user=None,
            )
        except (XError, LinkError, BotauthConfigurationError) as err:
            self.undo(account, created)
            raise CommandError(f"{err} {name!r} was not changed.") from err
        except KeyboardInterrupt:
            # Ctrl-C at the PIN prompt is how people give up; leave no pending flow behind.
            self.undo(account, created)
            raise
        self.stdout.write(self.style.SUCCESS(f"Linked {name} to @{linked.twitter_username}"))

    @staticmethod
    def undo(account: BotAccount, created: bool) -> None:
        with transaction.atomic():
            if created:
                BotAccount.objects.filter(pk=account.pk).delete()
            elif account.pk is not None:
                fresh = BotAccount.objects.get(pk=account.pk)
                if fresh.twitter_oauth_token and fresh.link_started_by_id is None:
                    flows.clear_pending(fresh)
