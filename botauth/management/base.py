"""The base of botauth's commands: their help in the reader's language."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext


class TranslatedHelp(BaseCommand):
    """A command whose ``help`` is marked with gettext_noop and shown translated by --help."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # help stays the plain str Django expects (argparse cannot wrap a lazy one).
        parser.description = gettext(self.help) if self.help else None
        return parser
