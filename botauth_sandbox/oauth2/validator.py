"""oauthlib's OAuth 2.0 RequestValidator over the sandbox's tables: what X checks, for real."""

from __future__ import annotations

import base64
import hmac
from enum import Enum
from typing import Any
from urllib.parse import unquote

from django.db.models import Q, QuerySet
from django.utils import timezone
from oauthlib.common import Request
from oauthlib.oauth2 import RequestValidator

from botauth_sandbox.models import OAuth2Client, OAuth2Grant, OAuth2Token, SandboxUser
from botauth_sandbox.oauth2 import conf, scopes, tokens
from botauth_sandbox.oauth2.provisioning import ensure_client_for

DUMMY_SECRET = "dummy-secret-never-issued"


class Refusal(Enum):
    """Why the validator said no, for answers oauthlib's error names cannot tell apart."""

    NO_CLIENT = "no_client"
    UNKNOWN_CLIENT = "unknown_client"
    MISSING_BASIC = "missing_basic"
    BAD_SECRET = "bad_secret"
    UNKNOWN_TOKEN = "unknown_token"
    DEAD_TOKEN = "dead_token"
    INSUFFICIENT_SCOPE = "insufficient_scope"


class SandboxOAuth2Validator(RequestValidator):  # type: ignore[misc]
    """One per request: `refusal` and `token` tell the caller what it found."""

    def __init__(self, *, authorizing_user: SandboxUser | None = None) -> None:
        super().__init__()
        self.authorizing_user = authorizing_user
        self.refusal: Refusal | None = None
        self.grant: OAuth2Grant | None = None
        self.token: OAuth2Token | None = None

    # Clients

    def client_authentication_required(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        if _basic_credentials(request) is not None:
            return True
        client = _client(request.client_id)
        return not (client is not None and client.public)

    def authenticate_client(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        credentials = _basic_credentials(request)
        if credentials is None:
            if not request.client_id:
                return self._refuse(Refusal.NO_CLIENT)
            if _client(request.client_id) is None:
                return self._refuse(Refusal.UNKNOWN_CLIENT)
            return self._refuse(Refusal.MISSING_BASIC)
        client_id, secret = credentials
        client = _client(client_id)
        if client is None or (request.client_id and request.client_id != client_id):
            return self._refuse(Refusal.UNKNOWN_CLIENT)
        # A public client has no secret, so no Basic header of it can be right.
        expected = DUMMY_SECRET if client.public else client.client_secret
        if not hmac.compare_digest(expected.encode(), secret.encode()):
            return self._refuse(Refusal.BAD_SECRET)
        request.client = client
        return True

    def authenticate_client_id(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        client = _client(client_id)
        if client is None or not client.public:
            return self._refuse(Refusal.UNKNOWN_CLIENT if client_id else Refusal.NO_CLIENT)
        request.client = client
        return True

    def validate_client_id(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        request.client = _client(client_id)
        return request.client is not None

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Request, *a: Any, **k: Any
    ) -> bool:
        return grant_type in ("authorization_code", "refresh_token")

    # The authorization request

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        client = _client(client_id)
        # X's portal has one callback list for both protocols; OAuth 2.0 has no PIN ("oob").
        return (
            client is not None
            and redirect_uri != "oob"
            and client.app.accepts_callback(redirect_uri)
        )

    def get_default_redirect_uri(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        return None

    def validate_response_type(
        self, client_id: str, response_type: str, client: Any, request: Request, *a: Any, **k: Any
    ) -> bool:
        return response_type == "code"

    def get_default_scopes(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> list[str]:
        return []

    def validate_scopes(
        self,
        client_id: str,
        scope_list: list[str],
        client: Any,
        request: Request,
        *a: Any,
        **k: Any,
    ) -> bool:
        return bool(scope_list) and set(scope_list) <= scopes.X_SCOPES

    def is_pkce_required(self, client_id: str, request: Request) -> bool:
        return True

    def save_authorization_code(
        self, client_id: str, code: dict[str, str], request: Request, *args: Any, **kwargs: Any
    ) -> None:
        if self.authorizing_user is None:
            raise ValueError("A code is only issued for a signed-in sandbox user.")
        OAuth2Grant.objects.create(
            app=request.client.app,
            user=self.authorizing_user,
            scopes=" ".join(request.scopes),
            redirect_uri=request.redirect_uri,
            code_digest=tokens.digest(code["code"]),
            code_challenge=request.code_challenge,
            code_challenge_method=request.code_challenge_method,
        )

    # The code exchange

    def validate_code(
        self, client_id: str, code: str, client: OAuth2Client, request: Request, *a: Any, **k: Any
    ) -> bool:
        live = live_codes().filter(code_digest=tokens.digest(code), app_id=client.app_id)
        # Consumed here, under the row lock the UPDATE takes, so that two exchanges racing with
        # one code cannot both pass; a refused exchange is rolled back by the caller.
        if not live.filter(code_used=False).update(code_used=True):
            return False
        self.grant = OAuth2Grant.objects.select_related("user").get(code_digest=tokens.digest(code))
        request.user = self.grant.user
        request.scopes = self.grant.scope_list
        return True

    def get_code_challenge(self, code: str, request: Request) -> str | None:
        return self.grant.code_challenge if self.grant else None

    def get_code_challenge_method(self, code: str, request: Request) -> str | None:
        return self.grant.code_challenge_method if self.grant else None

    def confirm_redirect_uri(
        self,
        client_id: str,
        code: str,
        redirect_uri: str,
        client: OAuth2Client,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        return self.grant is not None and self.grant.redirect_uri == redirect_uri

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        # Already consumed by validate_code.
        pass

    # Refresh

    def validate_refresh_token(
        self, refresh_token: str, client: OAuth2Client, request: Request, *a: Any, **k: Any
    ) -> bool:
        found = live_refresh_tokens().filter(
            refresh_digest=tokens.digest(refresh_token), app_id=client.app_id
        )
        # Single use: whoever flips `refreshed` first wins; the loser is refused like X does.
        # The UPDATE filters on the row's own columns only: PostgreSQL re-checks those after
        # waiting for the winner's lock, but not a join's subquery.
        if not found.filter(refreshed=False).update(refreshed=True):
            return False
        self.token = OAuth2Token.objects.select_related("grant", "user").get(
            refresh_digest=tokens.digest(refresh_token)
        )
        request.user = self.token.user
        return not self.token.grant.revoked

    def get_original_scopes(
        self, refresh_token: str, request: Request, *a: Any, **k: Any
    ) -> list[str]:
        return self.token.scopes.split() if self.token else []

    # Issuing

    def save_bearer_token(
        self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any
    ) -> None:
        grant = self.token.grant if self.token else self.grant
        if grant is None:
            raise ValueError("A token is only issued for a validated code or refresh token.")
        now = timezone.now()
        refresh = token.get("refresh_token")
        OAuth2Token.objects.create(
            grant=grant,
            app_id=grant.app_id,
            user_id=grant.user_id,
            scopes=token["scope"],
            access_digest=tokens.digest(token["access_token"]),
            access_prefix=tokens.prefix(token["access_token"]),
            expires_at=now + conf.access_token_ttl(),
            refresh_digest=tokens.digest(refresh) if refresh else None,
            refresh_prefix=tokens.prefix(refresh) if refresh else "",
            refresh_expires_at=now + conf.refresh_token_ttl() if refresh else None,
        )
        if self.token is not None and conf.refresh_revokes_access_token():
            OAuth2Token.objects.filter(pk=self.token.pk).update(revoked=True)

    # API calls

    def validate_bearer_token(
        self, token: str | None, scope_list: list[str], request: Request
    ) -> bool:
        row = (
            OAuth2Token.objects.select_related("user", "app", "grant")
            .filter(access_digest=tokens.digest(token or ""))
            .first()
        )
        if row is None:
            return self._refuse(Refusal.UNKNOWN_TOKEN)
        if row.revoked or row.grant.revoked or row.expires_at <= timezone.now():
            return self._refuse(Refusal.DEAD_TOKEN)
        if not set(scope_list) <= row.scope_set:
            return self._refuse(Refusal.INSUFFICIENT_SCOPE)
        self.token = row
        return True

    # Revocation

    def revoke_token(
        self, token: str, token_type_hint: str | None, request: Request, *a: Any, **k: Any
    ) -> None:
        digest = tokens.digest(token)
        # Either token of a grant ends the whole grant, so that no half of it lives on.
        found = OAuth2Token.objects.filter(
            Q(access_digest=digest) | Q(refresh_digest=digest), app_id=request.client.app_id
        )
        OAuth2Grant.objects.filter(tokens__in=found).revoke()

    def _refuse(self, refusal: Refusal) -> bool:
        self.refusal = refusal
        return False


def live_codes() -> QuerySet[OAuth2Grant]:
    oldest = timezone.now() - conf.code_ttl()
    return OAuth2Grant.objects.filter(revoked=False, created_at__gte=oldest)


def live_refresh_tokens() -> QuerySet[OAuth2Token]:
    return OAuth2Token.objects.filter(revoked=False, refresh_expires_at__gt=timezone.now())


def _client(client_id: str | None) -> OAuth2Client | None:
    if not client_id:
        return None
    ensure_client_for(client_id)
    return OAuth2Client.objects.select_related("app").filter(client_id=client_id).first()


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except ValueError:
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None
    # RFC 6749 2.3.1: both halves are form-encoded before they are joined.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))
