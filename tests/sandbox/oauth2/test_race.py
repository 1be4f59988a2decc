"""Single use under concurrency: many workers present one code or one refresh token at once."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connections
from django.test import Client

from botauth_sandbox.models import OAuth2Grant, OAuth2Token
from tests.helpers import INVALID_CODE, INVALID_TOKEN, TOKEN, answer, basic, skip_unless_postgres

WORKERS = 6
pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres("concurrent single use is tested on PostgreSQL")


def _at_once(body: dict[str, str]) -> list[tuple[int, dict[str, Any]]]:
    results: list[tuple[int, dict[str, Any]]] = []
    barrier = threading.Barrier(WORKERS)

    def post() -> None:
        try:
            barrier.wait()
            response = Client().post(
                TOKEN,
                urlencode(body),
                content_type="application/x-www-form-urlencoded",
                HTTP_AUTHORIZATION=basic(),
            )
            results.append((response.status_code, answer(response)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_one_refresh_token_presented_at_once_rotates_once(flow):
    first = flow.token()

    results = _at_once({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})

    assert sorted(status for status, _ in results) == [200] + [400] * (WORKERS - 1)
    assert [body for status, body in results if status == 400] == [INVALID_TOKEN] * (WORKERS - 1)
    assert OAuth2Token.objects.count() == 2
    assert OAuth2Token.objects.filter(refreshed=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_code_presented_at_once_is_exchanged_once(flow):
    code = flow.approve()["code"]
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "http://127.0.0.1:8000/botauth/callback/",
        "code_verifier": flow.verifier,
    }

    results = _at_once(body)

    assert sorted(status for status, _ in results) == [200] + [400] * (WORKERS - 1)
    assert [body for status, body in results if status == 400] == [INVALID_CODE] * (WORKERS - 1)
    assert OAuth2Token.objects.count() == 1
    assert OAuth2Grant.objects.get().code_used
