from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext_noop, ngettext

from botauth.exceptions import BotauthError
from botauth.management.base import TranslatedHelp
from botauth.models import SECRET_FIELDS, BotAccount

FIELDS = list(SECRET_FIELDS)


class Command(TranslatedHelp):
    help = gettext_noop(
        "Re-encrypt every stored token with the first key of BOTAUTH_ENCRYPTION_KEYS. Run it "
        "after putting a new key first; then the old keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = 0
        last_pk = 0
        try:
            while True:
                with transaction.atomic():
                    chunk = list(
                        BotAccount.objects.select_for_update()
                        .filter(pk__gt=last_pk)
                        .order_by("pk")
                        .only("pk", *FIELDS)[:500]
                    )
                    if not chunk:
                        break
                    # Reading decrypts with any key; saving encrypts with the first.
                    BotAccount.objects.bulk_update(chunk, FIELDS)
                done += len(chunk)
                last_pk = chunk[-1].pk
        except BotauthError as err:
            before = ngettext(
                "%(error)s %(count)d account was re-encrypted before this.",
                "%(error)s %(count)d accounts were re-encrypted before this.",
                done,
            )
            raise CommandError(before % {"error": err, "count": done}) from err
        finished = ngettext(
            "Re-encrypted the tokens of %(count)d bot account with the newest key.",
            "Re-encrypted the tokens of %(count)d bot accounts with the newest key.",
            done,
        )
        self.stdout.write(finished % {"count": done})
