"""The sandbox app that botauth's own consumer key signs in as."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS

from botauth_sandbox import conf
from botauth_sandbox.models import SandboxApp

APP_NAME = "botauth (sandbox)"


def ensure_consumer(*, using: str = DEFAULT_DB_ALIAS) -> SandboxApp | None:
    """Create or update the SandboxApp for the configured consumer, if one is provisioned."""
    consumer = conf.provisioned_consumer()
    if consumer is None:
        return None
    key, secret = consumer
    app, _ = SandboxApp.objects.using(using).update_or_create(
        key=key, defaults={"secret": secret, "name": APP_NAME}
    )
    return app


def ensure_consumer_for(client_key: str) -> None:
    # Settings may have changed since post_migrate ran, so the key is checked when first seen.
    consumer = conf.provisioned_consumer()
    if consumer is None or consumer[0] != client_key:
        return
    if not SandboxApp.objects.filter(key=consumer[0], secret=consumer[1]).exists():
        ensure_consumer()


def provision_after_migrate(sender: Any, *, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    ensure_consumer(using=using)
