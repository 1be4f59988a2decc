"""OAuth 1.0a (3-legged and PIN): the request token is the flow's key, the verifier its code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from botauth import oauth
from botauth.exceptions import LinkError
from botauth.flows.protocol import Answer, Started

NAME = "oauth1"
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
            raise LinkError(
                _("X's answer has %(name)s more than once; it was not sent by X.") % {"name": name}
            )
        if given:
            if not TOKEN_RE.fullmatch(given[0]):
                raise LinkError(
                    _("X's answer has a malformed %(name)s; it was not sent by X.") % {"name": name}
                )
            values[name] = given[0]
    params = CallbackParams(**values)
    if not params.denied and not (params.oauth_token and params.oauth_verifier):
        absent = [n for n in NAMES[1:] if not values.get(n)]
        missing = absent[0]
        if len(absent) == 2:
            missing = _("%(first)s and %(second)s") % {"first": absent[0], "second": absent[1]}
        raise LinkError(
            _(
                "X's answer is missing %(missing)s. Start again with “Link with X” on the bot "
                "account."
            )
            % {"missing": missing}
        )
    return params


def parse(query: QueryDict) -> Answer:
    params = parse_callback(query)
    # X sends only `denied` on a cancel; if both come, cancelling is the safe reading.
    if params.denied:
        return Answer(key=params.denied, cancelled=True)
    return Answer(key=params.oauth_token, code=params.oauth_verifier)


@sensitive_variables()
def start(*, callback: str, screen_name: str) -> Started:
    token = oauth.fetch_request_token(callback=callback)
    url = oauth.authorize_url(token.token, screen_name=screen_name)
    return Started(url=url, key=token.token, secret=token.secret)


@sensitive_variables()
def exchange(*, key: str, secret: str, code: str, callback: str = "") -> oauth.AccessGrant:
    request_token = oauth.RequestToken(token=key, secret=secret)
    return oauth.fetch_access_token(request_token=request_token, verifier=code)


@sensitive_variables()
def revoke(*, token: str, secret: str) -> None:
    oauth.invalidate_token(access_token=token, access_token_secret=secret)


@sensitive_variables()
def identify(*, token: str, secret: str) -> oauth.AccessGrant:
    return oauth.fetch_identity(access_token=token, access_token_secret=secret)
