from __future__ import annotations

import getpass
import sys
from typing import IO, Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from botauth import conf, flows
from botauth.exceptions import (
    BotauthConfigurationError,
    DecryptionError,
    LinkError,
    XError,
    XRejectedError,
)
from botauth.flows.oauth1 import TOKEN_RE
from botauth.management.base import TranslatedHelp
from botauth.models import BotAccount

PIN_TRIES = 3


class Command(TranslatedHelp):
    help = gettext_noop(
        "Link a bot account with X's PIN flow, for when no callback URL is reachable: open the "
        "printed URL as the bot, approve, and type the PIN X shows. With --import, store an "
        "access token and secret you already hold instead (read from standard input, two lines)."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help=_("The BotAccount's name."))
        parser.add_argument("--create", action="store_true", help=_("Create it if missing."))
        parser.add_argument(
            "--import",
            action="store_true",
            dest="import_pair",
            help=_(
                "Read an access token and its secret from standard input, one per line, check "
                "them with X (one GET /2/users/me) and store them. Never pass them as arguments."
            ),
        )

    def handle(
        self,
        *args: Any,
        name: str,
        create: bool,
        import_pair: bool,
        verbosity: int,
        **options: Any,
    ) -> None:
        stdin: IO[str] = options.get("stdin") or sys.stdin
        self.verbosity = verbosity
        # The secrets are never read: a row whose key was lost can still be linked again.
        accounts = BotAccount.objects.without_secrets()
        created = False
        if create:
            account, created = accounts.get_or_create(name=name)
        else:
            found = accounts.filter(name=name).first()
            if found is None:
                raise CommandError(
                    _("No bot account named %(name)s; add --create to create it.")
                    % {"name": repr(name)}
                )
            account = found
        try:
            if import_pair:
                linked = flows.import_access(account=account, **self.read_pair(stdin))
            else:
                linked = self.link_by_pin(account, stdin)
        except (XError, LinkError, BotauthConfigurationError, DecryptionError) as err:
            self.undo(account, created)
            raise CommandError(
                _("%(error)s %(name)s was not changed.") % {"error": err, "name": repr(name)}
            ) from err
        except KeyboardInterrupt:
            # Ctrl-C at the PIN prompt is how people give up; leave no pending flow behind.
            self.undo(account, created)
            raise
        if verbosity >= 1:
            done = _("Linked %(name)s to @%(handle)s") % {
                "name": name,
                "handle": linked.twitter_username,
            }
            self.stdout.write(self.style.SUCCESS(done))
            if linked.access_level and not linked.can_write:
                self.say(
                    _("X reports access level %(level)r: this token cannot post.")
                    % {"level": linked.access_level},
                    style=self.style.WARNING,
                )
        if verbosity >= 2:
            for label, value in (
                (_("X user id"), linked.twitter_user_id),
                (_("X handle"), f"@{linked.twitter_username}"),
                (_("access level"), linked.access_level or _("not reported by X")),
                (_("linked at"), linked.linked_at.isoformat() if linked.linked_at else "-"),
            ):
                self.stdout.write(f"  {label:<13} {value}")

    def say(self, message: str, *, style: Any = None) -> None:
        if self.verbosity >= 1:
            self.stderr.write(message, style_func=style)

    def link_by_pin(self, account: BotAccount, stdin: IO[str]) -> BotAccount:
        if account.is_linked:
            self.say(
                _(
                    "“%(name)s” is already linked to @%(handle)s. Approving as that X account "
                    "renews its token; another X account is refused (unlink first)."
                )
                % {"name": account.name, "handle": account.twitter_username},
                style=self.style.WARNING,
            )
        url = flows.start_link(account=account, user=None, callback="oob")
        # Read as the sandbox app does (botauth.conf.sandbox_enabled()): only a real True.
        where = _("the botauth SANDBOX (a fake X)") if conf.sandbox_enabled() else "X"
        prompt = _("Open this URL, sign in to %(where)s as the bot and approve:") % {"where": where}
        self.stdout.write(f"{prompt}\n\n  {url}\n")
        tries = 0
        while True:
            self.stdout.write(_("PIN:") + " ", ending="")
            self.stdout.flush()
            pin = stdin.readline().strip()
            if not pin:
                raise LinkError(_("No PIN was entered."))
            tries += 1
            linked_or_problem = self.try_pin(account, pin)
            if isinstance(linked_or_problem, BotAccount):
                return linked_or_problem
            problem = linked_or_problem
            if tries == PIN_TRIES:
                raise LinkError(
                    _("%(problem)s Gave up after %(tries)d tries.")
                    % {"problem": problem, "tries": PIN_TRIES}
                )
            left = PIN_TRIES - tries
            again = ngettext(
                "%(problem)s Type it again (%(left)d try left).",
                "%(problem)s Type it again (%(left)d tries left).",
                left,
            )
            self.stderr.write(again % {"problem": problem, "left": left})

    def try_pin(self, account: BotAccount, pin: str) -> BotAccount | str:
        """Complete the flow with this PIN, or say what was wrong when the person may retry."""
        if not TOKEN_RE.fullmatch(pin):
            return _(
                "That is not a PIN from X: type the PIN X showed after you approved (letters and "
                "digits, no spaces)."
            )
        try:
            return flows.complete_link(
                account=account, oauth_token=account.twitter_oauth_token, verifier=pin, user=None
            )
        except XRejectedError as err:
            # A 401 is X saying the PIN is wrong; anything else will not get better by retrying.
            if err.status != 401:
                raise
            return str(err) if self.verbosity >= 2 else _("X did not accept that PIN.")

    def read_pair(self, stdin: IO[str]) -> dict[str, str]:
        if stdin.isatty():
            token = getpass.getpass(_("Access token: "))
            secret = getpass.getpass(_("Access token secret: "))
        else:
            token, secret = stdin.readline().strip(), stdin.readline().strip()
        if not (token and secret):
            raise LinkError(
                _(
                    "--import reads the access token and its secret from standard input, one "
                    "per line; both are needed."
                )
            )
        return {"token": token, "secret": secret}

    @staticmethod
    def undo(account: BotAccount, created: bool) -> None:
        with transaction.atomic():
            if created:
                BotAccount.objects.filter(pk=account.pk).delete()
            elif account.pk is not None:
                fresh = BotAccount.objects.without_secrets().get(pk=account.pk)
                if fresh.twitter_oauth_token and fresh.link_started_by_id is None:
                    fresh.clear_pending()
