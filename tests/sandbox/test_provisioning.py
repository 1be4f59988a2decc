from __future__ import annotations

from django.apps import apps

from botauth_sandbox.keys import derive_consumer
from botauth_sandbox.models import RequestToken, SandboxApp
from botauth_sandbox.provisioning import APP_NAME, ensure_consumer, provision_after_migrate
from tests.sandbox.signing import CALLBACK, signed_post

SECRET_KEY = "provisioning-test-secret-key"
KEY, SECRET = derive_consumer(SECRET_KEY)


def provision(settings):
    """BOTAUTH_SANDBOX on and no X keys: botauth derives its consumer from SECRET_KEY."""
    settings.BOTAUTH_SANDBOX = True
    settings.SECRET_KEY = SECRET_KEY
    settings.TWITTER_CONSUMER_API_KEY = ""
    settings.TWITTER_CONSUMER_API_KEY_SECRET = ""


def test_post_migrate_creates_the_derived_consumer(db, settings):
    provision(settings)

    provision_after_migrate(apps.get_app_config("botauth_sandbox"), using="default")

    app = SandboxApp.objects.get(key=KEY)
    assert (app.secret, app.name) == (SECRET, APP_NAME)


def test_provisioning_updates_a_changed_secret(db, settings):
    SandboxApp.objects.create(name="old", key=KEY, secret="stale-secret")
    provision(settings)

    ensure_consumer()

    app = SandboxApp.objects.get(key=KEY)
    assert (app.secret, app.name) == (SECRET, APP_NAME)


def test_nothing_is_provisioned_while_botauth_sandbox_is_off(db, settings):
    provision(settings)
    settings.BOTAUTH_SANDBOX = False

    assert ensure_consumer() is None
    assert not SandboxApp.objects.exists()


def test_real_x_keys_are_never_copied_into_the_sandbox(db, settings):
    provision(settings)
    settings.TWITTER_CONSUMER_API_KEY = "real-x-key"
    settings.TWITTER_CONSUMER_API_KEY_SECRET = "real-x-secret"

    provision_after_migrate(apps.get_app_config("botauth_sandbox"), using="default")

    assert ensure_consumer() is None
    assert not SandboxApp.objects.exists()


def test_derived_consumer_is_provisioned_when_first_seen(client, db, settings):
    provision(settings)

    response = signed_post(client, "oauth/request_token", callback=CALLBACK, key=KEY, secret=SECRET)

    assert response.status_code == 200
    assert RequestToken.objects.get().app == SandboxApp.objects.get(key=KEY, name=APP_NAME)


def test_other_keys_are_not_provisioned(client, db, settings):
    provision(settings)

    response = signed_post(
        client, "oauth/request_token", callback=CALLBACK, key="someone-elses-key", secret=SECRET
    )

    assert response.status_code == 401
    assert not SandboxApp.objects.exists()
