from __future__ import annotations

import base64

from botauth_sandbox.keys import derive_consumer, derive_oauth2_client
from botauth_sandbox.models import OAuth2Client, SandboxApp
from botauth_sandbox.oauth2.provisioning import ensure_client, ensure_client_for
from botauth_sandbox.provisioning import APP_NAME


def _configure(settings, **extra):
    settings.SANDBOX_PROVISION_OAUTH2_CLIENT = True
    settings.TWITTER_CLIENT_ID = "provisioned-client-id"
    settings.TWITTER_CLIENT_SECRET = "provisioned-client-secret"
    for name, value in extra.items():
        setattr(settings, name, value)


def test_nothing_is_provisioned_unless_asked(db, settings):
    settings.TWITTER_CLIENT_ID = "provisioned-client-id"
    settings.TWITTER_CLIENT_SECRET = "provisioned-client-secret"

    assert ensure_client() is None
    assert not OAuth2Client.objects.exists()


def test_the_client_joins_the_provisioned_consumers_app(db, settings):
    _configure(settings, SANDBOX_PROVISION_CONSUMER=True)

    client = ensure_client()

    assert client is not None
    assert (client.client_id, client.client_secret, client.public) == (
        "provisioned-client-id",
        "provisioned-client-secret",
        False,
    )
    assert client.app == SandboxApp.objects.get(key=settings.TWITTER_CONSUMER_API_KEY)
    assert SandboxApp.objects.count() == 1


def test_without_a_consumer_the_client_gets_an_app_of_its_own(db, settings):
    _configure(settings, SANDBOX_PROVISION_CONSUMER=False)

    client = ensure_client()
    again = ensure_client()

    assert client is not None and again is not None
    assert again.app == client.app
    assert client.app.name == APP_NAME
    assert SandboxApp.objects.count() == 1


def test_a_changed_secret_is_taken_on_first_use(db, settings):
    _configure(settings)
    ensure_client()
    settings.TWITTER_CLIENT_SECRET = "rotated-client-secret"

    ensure_client_for("provisioned-client-id")

    assert OAuth2Client.objects.get().client_secret == "rotated-client-secret"


def test_first_use_of_another_client_id_provisions_nothing(db, settings):
    _configure(settings)

    ensure_client_for("someone-elses-client-id")

    assert not OAuth2Client.objects.exists()


def test_derived_client_is_stable_x_shaped_and_not_the_consumer():
    client_id, secret = derive_oauth2_client("one-secret")

    assert derive_oauth2_client("one-secret") == (client_id, secret)
    assert derive_oauth2_client("another-secret")[0] != client_id
    assert base64.b64decode(client_id + "==").decode().endswith(":1:ci")
    assert len(secret) == 50
    assert secret not in derive_consumer("one-secret")
