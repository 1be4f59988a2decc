"""botauth's logger, and a filter that keeps OAuth secrets out of any log it is attached to.

botauth logs links, unlinks, verifications and X's failures on the "botauth" logger, never a
token. The libraries it signs requests with are another matter: at DEBUG, requests-oauthlib logs
the signed request's headers (the bot's access token, the verifier), tweepy logs request and
response headers, and oauthlib logs signature base strings and authorization-code grants.
botauth leaves their loggers as the project configured them; a project that lets their DEBUG
lines through attaches RedactSecrets to its handlers (see docs/security.md, "Logging").
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger("botauth")

MASK = "[redacted]"
# Names under which the OAuth libraries log what unlocks an account or completes a flow.
SECRET_NAMES = (
    "oauth_token",
    "oauth_token_secret",
    "oauth_verifier",
    "oauth_signature",
    "access_token",
    "access_token_secret",
    "refresh_token",
    "id_token",
    "client_secret",
    "consumer_secret",
    "code",
    "code_verifier",
    "verifier",
    "resource_owner_key",
    "resource_owner_secret",
    "token_secret",
    "password",
)
_NAME = "|".join(re.escape(name) for name in sorted(SECRET_NAMES, key=len, reverse=True))
# 'name': 'value' and "name": "value" (dict reprs, JSON), ('name', 'value') (oauthlib's params).
_QUOTED = re.compile(
    rf"""(?P<key>(?P<q>['"])(?:{_NAME})(?P=q)\s*[:,]\s*b?(?P<vq>['"]))(?P<value>.*?)(?P=vq)""",
    re.IGNORECASE,
)
# name=value and name="value" (OAuth headers, query strings, form bodies, oauthlib's reprs).
_ASSIGNED = re.compile(
    rf"""(?P<key>(?<![\w%])(?:{_NAME})\s*=\s*)(?P<value>"[^"]*"|'[^']*'|[^\s"'&,;)>\]}}]+)""",
    re.IGNORECASE,
)
# name%3Dvalue in a percent-encoded signature base string, up to the next %26 ("&").
_ENCODED = re.compile(
    rf"""(?P<key>(?:(?<=%26)|(?<=%3F)|(?<![\w%]))(?:{_NAME})%3D)(?P<value>(?:(?!%26)[^\s&"'])+)""",
    re.IGNORECASE,
)
# Authorization: Bearer <token> (OAuth 2.0) and Basic <client id:secret>.
_SCHEME = re.compile(r"(?P<key>\b(?:Bearer|Basic)\s+)(?P<value>[\w\-.~+/=%]+)", re.IGNORECASE)
# oauthlib's prose: "Validating refresh token <token> for client ...". Only a value long enough
# to be a token is taken, so "the access token and secret" stays as it is.
_PROSE = re.compile(
    r"(?P<key>\b(?:refresh|access) token,?\s+)(?P<value>[\w\-.~+/=%]{20,})", re.IGNORECASE
)


def _masked(match: re.Match[str]) -> str:
    value = match["value"]
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match['key']}{quote}{MASK}{quote}"


def redact(text: str) -> str:
    """The text with every OAuth secret in a form the OAuth libraries log replaced by MASK."""
    text = _QUOTED.sub(lambda m: f"{m['key']}{MASK}{m['vq']}", text)
    for pattern in (_ASSIGNED, _ENCODED, _SCHEME, _PROSE):
        text = pattern.sub(_masked, text)
    return text


class RedactSecrets(logging.Filter):
    """A logging filter that blanks OAuth tokens, secrets, verifiers and codes in each record.

    Attach it to a handler (``"filters": {"redact_secrets": {"()":
    "botauth.log.RedactSecrets"}}``): on a handler it sees every logger's records, on a logger
    only that logger's own. The record's message, exception text and stack are rewritten in place,
    so it lets everything through, redacted.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit: the format string alone, redacted
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def bot(name: str, handle: str = "") -> str:
    """How a log line names a bot account: its name, quoted, and its X handle when known."""
    return f"{name!r} (@{handle})" if handle else repr(name)


def said(err: BaseException) -> str:
    """An error's message on one printable line, redacted: X's words in it may hold anything."""
    return redact("".join(char if char.isprintable() else " " for char in str(err))[:500])
