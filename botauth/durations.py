from __future__ import annotations

import argparse
import re
from datetime import timedelta

from django.utils.dateparse import parse_duration
from django.utils.translation import gettext as _

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def duration(text: str) -> timedelta:
    """argparse type for '90s', '30m', '6h', '2d', '1w' or Django's '1 02:00:00'."""
    match = re.fullmatch(r"(\d+)([smhdw])", text.strip())
    value = timedelta(**{UNITS[match[2]]: int(match[1])}) if match else parse_duration(text)
    if value is None or value <= timedelta(0):
        raise argparse.ArgumentTypeError(
            _("%(text)s is not a positive duration; use e.g. 90s, 30m, 6h, 2d or 1w.")
            % {"text": repr(text)}
        )
    return value


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            _("%(text)s is not a whole number of 1 or more.") % {"text": repr(text)}
        )
    return int(text)
