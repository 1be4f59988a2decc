"""The sandbox's consent screen: a sandbox X user approves or cancels a request token."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from django.db import IntegrityError, transaction
from oauthlib.common import add_params_to_uri
from oauthlib.oauth1.rfc5849 import errors

from botauth_sandbox.models import RequestToken, SandboxUser, username_validator
from botauth_sandbox.provider import authorization_endpoint
from botauth_sandbox.validator import live_request_tokens


class InvalidRequestToken(Exception):
    pass


class SuspendedUser(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    """Where the browser goes next: the app's callback, or a page (for `oob`)."""

    redirect_to: str | None = None
    pin: str | None = None


def pending(*, uri: str) -> RequestToken:
    try:
        authorization_endpoint().get_realms_and_credentials(uri)
    except (errors.OAuth1Error, ValueError) as err:
        raise InvalidRequestToken from err
    token = parse_qs(uri.partition("?")[2])["oauth_token"][0]
    return RequestToken.objects.select_related("app").get(token=token)


def approve(*, uri: str, username: str) -> Outcome:
    """Authorize the request token in `uri` as `username`, creating that sandbox user if new."""
    pending(uri=uri)
    username_validator(username)
    user = sign_in(username)
    if user.suspended:
        raise SuspendedUser
    try:
        headers, body, status = authorization_endpoint(user).create_authorization_response(uri)
    except errors.OAuth1Error as err:
        raise InvalidRequestToken from err
    if status == 302:
        return Outcome(redirect_to=headers["Location"])
    return Outcome(pin=parse_qs(body)["oauth_verifier"][0])


def cancel(*, uri: str) -> Outcome:
    row = pending(uri=uri)
    if not live_request_tokens().filter(pk=row.pk, verifier="").update(used=True):
        raise InvalidRequestToken
    if row.callback == "oob":
        return Outcome()
    return Outcome(redirect_to=add_params_to_uri(row.callback, [("denied", row.token)]))


def sign_in(username: str) -> SandboxUser:
    user = SandboxUser.objects.filter(username__iexact=username).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return SandboxUser.objects.create(username=username, name=username)
    except IntegrityError:
        return SandboxUser.objects.get(username__iexact=username)
