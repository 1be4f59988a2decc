"""oauthlib's RequestValidator over the sandbox's tables: what X checks, checked for real."""

from __future__ import annotations

import hmac
import string
import time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from oauthlib.common import Request
from oauthlib.oauth1 import RequestValidator
from oauthlib.oauth1.rfc5849 import errors

from botauth_sandbox import conf
from botauth_sandbox.models import AccessToken, Nonce, RequestToken, SandboxApp, SandboxUser
from botauth_sandbox.provisioning import ensure_consumer_for

DUMMY_SECRET = "dummy-secret-never-issued"


class SandboxValidator(RequestValidator):  # type: ignore[misc]
    enforce_ssl = False
    # Access tokens are "<user_id>-<random>", so "-" and "_" must pass the format checks.
    safe_characters = set(string.ascii_letters + string.digits + "-_")
    client_key_length = (10, 80)
    request_token_length = (20, 80)
    access_token_length = (20, 120)
    nonce_length = (8, 80)
    verifier_length = (7, 80)
    realms: list[str] = []
    dummy_client = "sandbox-dummy-client-key"
    dummy_request_token = "sandbox-dummy-request-token"
    dummy_access_token = "0-sandbox-dummy-access-token"

    def __init__(self, *, authorizing_user: SandboxUser | None = None) -> None:
        super().__init__()
        self.authorizing_user = authorizing_user

    # Consumers

    def validate_client_key(self, client_key: str, request: Request) -> bool:
        ensure_consumer_for(client_key)
        return SandboxApp.objects.filter(key=client_key).exists()

    def get_client_secret(self, client_key: str, request: Request) -> str:
        app = SandboxApp.objects.filter(key=client_key).only("secret").first()
        return app.secret if app else DUMMY_SECRET

    def validate_timestamp_and_nonce(
        self,
        client_key: str,
        timestamp: str,
        nonce: str,
        request: Request,
        request_token: str | None = None,
        access_token: str | None = None,
    ) -> bool:
        _forget_old_nonces_now_and_then(self.timestamp_lifetime)
        ensure_consumer_for(client_key)
        if not SandboxApp.objects.filter(key=client_key).exists():
            # Nothing is recorded for a consumer the sandbox does not know, so a flood of
            # made-up keys cannot fill the table; the request fails on its client anyway.
            return True
        try:
            with transaction.atomic():
                Nonce.objects.create(
                    client_key=client_key,
                    nonce=nonce,
                    timestamp=int(timestamp),
                    token=request_token or access_token or "",
                )
        except IntegrityError:
            return False
        return True

    def get_default_realms(self, client_key: str, request: Request) -> list[str]:
        return []

    def validate_requested_realms(
        self, client_key: str, realms: list[str], request: Request
    ) -> bool:
        return True

    def validate_redirect_uri(self, client_key: str, redirect_uri: str, request: Request) -> bool:
        app = SandboxApp.objects.filter(key=client_key).first()
        return app is not None and app.accepts_callback(redirect_uri)

    # Request tokens

    def save_request_token(self, token: dict[str, str], request: Request) -> None:
        _forget_old_nonces(self.timestamp_lifetime)
        RequestToken.objects.create(
            token=token["oauth_token"],
            secret=token["oauth_token_secret"],
            app=SandboxApp.objects.get(key=request.client_key),
            callback=request.redirect_uri,
        )

    def verify_request_token(self, token: str, request: Request) -> bool:
        return live_request_tokens().filter(token=token, verifier="").exists()

    def verify_realms(self, token: str, realms: list[str], request: Request) -> bool:
        return True

    def get_realms(self, token: str, request: Request) -> list[str]:
        return []

    def get_redirect_uri(self, token: str, request: Request) -> str:
        return RequestToken.objects.values_list("callback", flat=True).get(token=token)

    def save_verifier(self, token: str, verifier: dict[str, str], request: Request) -> None:
        if self.authorizing_user is None:
            raise ValueError("A verifier is only issued for a signed-in sandbox user.")
        saved = (
            live_request_tokens()
            .filter(token=token, verifier="")
            .update(verifier=verifier["oauth_verifier"], user=self.authorizing_user)
        )
        if not saved:
            raise errors.InvalidClientError(description="The request token was just used.")

    def validate_request_token(self, client_key: str, token: str, request: Request) -> bool:
        return live_request_tokens().filter(token=token, app__key=client_key).exists()

    def get_request_token_secret(self, client_key: str, token: str, request: Request) -> str:
        found = RequestToken.objects.filter(token=token, app__key=client_key).only("secret")
        row = found.first()
        return row.secret if row else DUMMY_SECRET

    def validate_verifier(
        self, client_key: str, token: str, verifier: str, request: Request
    ) -> bool:
        row = RequestToken.objects.filter(
            token=token, app__key=client_key, user__isnull=False
        ).first()
        if row is None or not row.verifier:
            return False
        return hmac.compare_digest(row.verifier, verifier)

    def invalidate_request_token(
        self, client_key: str, request_token: str, request: Request
    ) -> None:
        RequestToken.objects.filter(token=request_token, app__key=client_key).update(used=True)

    # Access tokens

    def save_access_token(self, token: dict[str, str], request: Request) -> None:
        row = RequestToken.objects.select_related("app", "user").get(
            token=request.resource_owner_key
        )
        if row.user is None:
            raise errors.InvalidClientError(description="The request token was never authorized.")
        AccessToken.objects.create(
            token=token["oauth_token"],
            secret=token["oauth_token_secret"],
            app=row.app,
            user=row.user,
        )

    def validate_access_token(self, client_key: str, token: str, request: Request) -> bool:
        return AccessToken.objects.filter(token=token, app__key=client_key, revoked=False).exists()

    def get_access_token_secret(self, client_key: str, token: str, request: Request) -> str:
        found = AccessToken.objects.filter(token=token, app__key=client_key).only("secret")
        row = found.first()
        return row.secret if row else DUMMY_SECRET

    def validate_realms(
        self, client_key: str, token: str, request: Request, uri: Any = None, realms: Any = None
    ) -> bool:
        return True


def live_request_tokens() -> QuerySet[RequestToken]:
    oldest = timezone.now() - conf.request_token_ttl()
    return RequestToken.objects.filter(used=False, created_at__gte=oldest)


_last_forgotten = 0.0


def _forget_old_nonces_now_and_then(lifetime: int) -> None:
    # Every signed API call stores a nonce; a verify run of 10,000 bots must not grow the table
    # for good, and pruning on every call would cost a DELETE each.
    global _last_forgotten
    if time.monotonic() - _last_forgotten > 60:
        _last_forgotten = time.monotonic()
        _forget_old_nonces(lifetime)


def _forget_old_nonces(lifetime: int) -> None:
    # A nonce older than the timestamp window can never be replayed, since its timestamp fails.
    Nonce.objects.filter(timestamp__lt=int(time.time()) - 2 * lifetime).delete()
