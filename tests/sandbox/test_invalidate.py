from __future__ import annotations

import json

import pytest

from botauth_sandbox.models import AccessToken
from tests.sandbox.signing import signed_get, signed_post


@pytest.mark.parametrize("path", ["1.1/oauth/invalidate_token", "oauth/invalidate_token"])
def test_invalidate_token_revokes_the_signing_token(client, as_user, pair, path):
    response = signed_post(client, path, **as_user)

    assert response.status_code == 200
    assert json.loads(response.content) == {"access_token": pair.token}
    pair.refresh_from_db()
    assert pair.revoked


def test_invalidated_token_then_gets_401_code_89(client, as_user):
    signed_post(client, "1.1/oauth/invalidate_token", **as_user)

    response = signed_get(client, "1.1/account/verify_credentials.json", **as_user)

    assert response.status_code == 401
    assert json.loads(response.content)["errors"][0]["code"] == 89


def test_invalidate_with_bad_signature_keeps_the_token(client, as_user, pair):
    response = signed_post(client, "1.1/oauth/invalidate_token", **{**as_user, "secret": "x"})

    assert response.status_code == 401
    assert json.loads(response.content)["errors"][0]["code"] == 32
    assert not AccessToken.objects.get(pk=pair.pk).revoked


def test_invalidating_twice_is_401(client, as_user, pair):
    signed_post(client, "1.1/oauth/invalidate_token", **as_user)

    response = signed_post(client, "1.1/oauth/invalidate_token", **as_user)

    assert response.status_code == 401
    assert json.loads(response.content)["errors"][0]["code"] == 89
