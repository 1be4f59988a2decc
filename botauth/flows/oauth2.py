"""OAuth 2.0 Authorization Code with PKCE: ``state`` is the flow's key, the PKCE code verifier
its secret, X's authorization code its code.

X's callback is ``?state=..&code=..`` when approved and ``?error=access_denied&state=..`` when
cancelled. A link costs two calls to X: the code exchange and GET /2/users/me, as the token
answer names no user.
"""

from __future__ import annotations

import re

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from botauth import conf, oauth, oauth2
from botauth.exceptions import LinkError, XError
from botauth.flows.protocol import Answer, Started

NAME = conf.OAUTH2
NAMES = ("state", "code", "error")
STATE_RE = re.compile(r"[A-Za-z0-9_\-]{1,500}")
PATTERNS = {"state": STATE_RE, "code": oauth2.TOKEN_RE, "error": oauth2.ERROR_RE}
CANCELLED = "access_denied"


def parse(query: QueryDict) -> Answer:
    values: dict[str, str] = {}
    for name in NAMES:
        given = query.getlist(name)
        if len(given) > 1:
            raise LinkError(
                _("X's answer has %(name)s more than once; it was not sent by X.") % {"name": name}
            )
        if given:
            if not PATTERNS[name].fullmatch(given[0]):
                raise LinkError(
                    _("X's answer has a malformed %(name)s; it was not sent by X.") % {"name": name}
                )
            values[name] = given[0]
    for missing in ("state", "code"):
        if missing not in values and not (missing == "code" and "error" in values):
            raise LinkError(
                _(
                    "X's answer is missing %(name)s. Start again with “Link with X” on the bot "
                    "account."
                )
                % {"name": missing}
            )
    error = values.get("error", "")
    # A cancel carries no code; if both come, cancelling is the safe reading.
    if error == CANCELLED:
        return Answer(key=values["state"], cancelled=True)
    if error:
        raise LinkError(
            _(
                "X did not authorize the link (%(error)s). Start again with “Link with X”; if X "
                "refuses again, check the app's OAuth 2.0 settings in the developer portal."
            )
            % {"error": error}
        )
    return Answer(key=values["state"], code=values["code"])


@sensitive_variables()
def start(*, callback: str, screen_name: str) -> Started:
    # X's OAuth 2.0 consent page takes no account hint, so screen_name goes unused.
    state, verifier = oauth2.new_state(), oauth2.new_verifier()
    url = oauth2.authorize_url(
        state=state, verifier=verifier, callback=callback, scope=conf.oauth2_scopes()
    )
    return Started(url=url, key=state, secret=verifier)


@sensitive_variables()
def exchange(*, key: str, secret: str, code: str, callback: str) -> oauth.AccessGrant:
    """The code for tokens (with the PKCE verifier), then whose they are: two calls to X."""
    token = oauth2.exchange_code(code=code, verifier=secret, callback=callback)
    identity = oauth2.fetch_identity(access_token=token.access_token)
    return oauth.AccessGrant(
        token=token.access_token,
        secret="",
        user_id=identity.user_id,
        screen_name=identity.username,
        refresh_token=token.refresh_token,
        expires_at=token.expires_at,
        scopes=" ".join(token.scopes),
        protocol=NAME,
    )


@sensitive_variables()
def revoke(*, token: str, secret: str) -> None:
    """Revoke the refresh token (``secret``) and the access token; both must be confirmed.

    The refresh token goes first: it is the one that would keep the grant alive.
    """
    failure: XError | None = None
    for value, hint in ((secret, "refresh_token"), (token, "access_token")):
        if not value:
            continue
        try:
            oauth2.revoke_token(token=value, hint=hint)
        except XError as err:
            failure = failure or err
    if failure is not None:
        raise failure


@sensitive_variables()
def identify(*, token: str, secret: str) -> oauth.AccessGrant:
    """Whose an OAuth 2.0 access token is (one call to X); ``secret`` is its refresh token.

    X's answer says nothing of the token's expiry or scopes, so they stay unknown.
    """
    identity = oauth2.fetch_identity(access_token=token)
    return oauth.AccessGrant(
        token=token,
        secret="",
        user_id=identity.user_id,
        screen_name=identity.username,
        refresh_token=secret,
        protocol=NAME,
    )
