"""Parse the query X sends back to the callback, rejecting anything malformed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import QueryDict

from botauth.exceptions import LinkError

# X's tokens and verifiers are short url-safe strings; anything else is not from X.
TOKEN_RE = re.compile(r"[A-Za-z0-9_\-]{1,128}")
NAMES = ("denied", "oauth_token", "oauth_verifier")


@dataclass(frozen=True)
class CallbackParams:
    denied: str = ""
    oauth_token: str = ""
    oauth_verifier: str = ""


def parse_callback(query: QueryDict) -> CallbackParams:
    values: dict[str, str] = {}
    for name in NAMES:
        given = query.getlist(name)
        if len(given) > 1:
            raise LinkError(f"X's answer has {name} more than once; it was not sent by X.")
        if given:
            if not TOKEN_RE.fullmatch(given[0]):
                raise LinkError(f"X's answer has a malformed {name}; it was not sent by X.")
            values[name] = given[0]
    params = CallbackParams(**values)
    if not params.denied and not (params.oauth_token and params.oauth_verifier):
        missing = " and ".join(n for n in NAMES[1:] if not values.get(n))
        raise LinkError(
            f"X's answer is missing {missing}. Start again with “Link with X” on the bot account."
        )
    return params
