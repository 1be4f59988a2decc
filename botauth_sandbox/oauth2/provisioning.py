"""The OAuth 2.0 client that botauth's own Client ID signs in as."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import DEFAULT_DB_ALIAS

from botauth_sandbox.models import OAuth2Client, SandboxApp
from botauth_sandbox.oauth2 import conf
from botauth_sandbox.provisioning import APP_NAME, ensure_consumer


def ensure_client(*, using: str = DEFAULT_DB_ALIAS) -> OAuth2Client | None:
    """Create or update the OAuth2Client for the configured Client ID, if one is provisioned.

    It belongs to the app of the provisioned consumer key when there is one: on X both pairs
    are keys of one app, with one callback list.
    """
    provisioned = conf.provisioned_client()
    if provisioned is None:
        return None
    client_id, client_secret = provisioned
    existing = OAuth2Client.objects.using(using).filter(client_id=client_id).first()
    app = ensure_consumer(using=using) or (existing.app if existing else None)
    if app is None:
        app = SandboxApp.objects.using(using).create(
            name=APP_NAME, key=f"oauth2-{secrets.token_hex(16)}", secret=secrets.token_hex(20)
        )
    OAuth2Client.objects.using(using).filter(app=app).exclude(client_id=client_id).delete()
    client, _ = OAuth2Client.objects.using(using).update_or_create(
        client_id=client_id, defaults={"app": app, "client_secret": client_secret, "public": False}
    )
    return client


def ensure_client_for(client_id: str) -> None:
    # Settings may have changed since post_migrate ran, so the Client ID is checked when seen.
    provisioned = conf.provisioned_client()
    if provisioned is None or provisioned[0] != client_id:
        return
    if not OAuth2Client.objects.filter(
        client_id=provisioned[0], client_secret=provisioned[1]
    ).exists():
        ensure_client()


def provision_client_after_migrate(
    sender: Any, *, using: str = DEFAULT_DB_ALIAS, **kwargs: Any
) -> None:
    ensure_client(using=using)
