"""Never in production: outside DEBUG and tests the sandbox answers 404 and touches nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from botauth_sandbox import guard, urls
from botauth_sandbox.keys import derive_consumer
from botauth_sandbox.models import AccessToken, Nonce, RequestToken, SandboxApp, SandboxUser
from tests import spec
from tests.sandbox.signing import CALLBACK, signed_get, signed_post

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production(settings, monkeypatch):
    """DEBUG off, as in production, and no test environment as far as the sandbox can tell."""
    settings.DEBUG = False
    monkeypatch.setattr(guard, "in_test_environment", lambda: False)
    return settings


def assert_refused(response) -> None:
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    spec.validate_problem(body)
    assert body == {
        "title": "Not Found",
        "detail": guard.REFUSED_DETAIL,
        "type": "about:blank",
        "status": 404,
    }


def test_request_token_is_refused_and_nothing_is_stored(client, production, consumer):
    response = signed_post(client, "oauth/request_token", callback=CALLBACK, **consumer)

    assert_refused(response)
    assert (Nonce.objects.count(), RequestToken.objects.count()) == (0, 0)


def test_botauths_derived_consumer_is_not_provisioned_when_refused(client, production, db):
    production.BOTAUTH_SANDBOX = True
    production.TWITTER_CONSUMER_API_KEY = ""
    production.TWITTER_CONSUMER_API_KEY_SECRET = ""
    key, secret = derive_consumer(production.SECRET_KEY)

    response = signed_post(client, "oauth/request_token", callback=CALLBACK, key=key, secret=secret)

    assert_refused(response)
    assert not SandboxApp.objects.exists()
    assert not Nonce.objects.exists()


def test_api_call_is_refused_before_counting_or_nonces(client, production, as_user, user):
    response = signed_get(client, "2/users/me", **as_user)

    assert_refused(response)
    assert not Nonce.objects.exists()
    assert not SandboxUser.objects.filter(username="botfriend").exclude(pk=user.pk).exists()


def test_consent_page_is_refused(client, production, flow, app):
    production.DEBUG = True
    token = flow.request_token()["oauth_token"]
    production.DEBUG = False

    response = client.post(
        f"/sandbox/oauth/authorize?oauth_token={token}",
        {"username": "intruder", "action": "authorize"},
    )

    assert_refused(response)
    assert not SandboxUser.objects.filter(username="intruder").exists()
    assert RequestToken.objects.get(token=token).verifier == ""


def test_revocation_is_refused(client, production, as_user, pair):
    response = signed_post(client, "oauth/invalidate_token", **as_user)

    assert_refused(response)
    assert AccessToken.objects.get(pk=pair.pk).revoked is False


def test_every_endpoint_is_guarded(production):
    request = RequestFactory().get("/sandbox/anything")
    for pattern in urls.urlpatterns:
        assert_refused(pattern.callback(request))


def test_debug_serves_outside_tests(client, settings, monkeypatch, consumer):
    settings.DEBUG = True
    monkeypatch.setattr(guard, "in_test_environment", lambda: False)

    response = signed_post(client, "oauth/request_token", callback=CALLBACK, **consumer)

    assert response.status_code == 200
    assert RequestToken.objects.count() == 1


def test_tests_are_served_with_debug_off(client, settings, consumer):
    settings.DEBUG = False

    response = signed_post(client, "oauth/request_token", callback=CALLBACK, **consumer)

    assert guard.in_test_environment() is True
    assert response.status_code == 200
    assert RequestToken.objects.count() == 1


def test_guarded_views_stay_csrf_exempt():
    request_token = next(p for p in urls.urlpatterns if p.name == "request_token")
    assert getattr(request_token.callback, "csrf_exempt", False) is True


DETECT = """
import json, django
from django.test.utils import setup_test_environment, teardown_test_environment
django.setup()
from django.conf import settings
from botauth_sandbox.guard import in_test_environment, serving_allowed
settings.DEBUG = False
seen = [in_test_environment(), serving_allowed()]
setup_test_environment()
seen += [in_test_environment(), serving_allowed()]
teardown_test_environment()
seen += [in_test_environment(), serving_allowed()]
print(json.dumps(seen))
"""


def test_test_environment_is_what_django_sets_up_and_tears_down():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BOTAUTH_"))}
    env.update(DJANGO_SETTINGS_MODULE="tests.settings", DEBUG="false")
    result = subprocess.run(
        [sys.executable, "-c", DETECT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [False, False, True, True, False, False]
