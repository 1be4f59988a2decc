"""Row locking needs a real database server: these run on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections
from django.utils import timezone

from botauth import flows
from botauth.exceptions import FlowNotFoundError
from botauth.models import BotAccount
from tests import xmock
from tests.helpers import skip_unless_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres("row locking is tested on PostgreSQL")


def test_a_callback_delivered_twice_at_once_exchanges_once(transactional_db, staff, x):
    account = BotAccount.objects.create(
        name="racer",
        status=BotAccount.Status.PENDING,
        twitter_oauth_token=xmock.REQUEST_TOKEN,
        twitter_oauth_token_secret=xmock.REQUEST_SECRET,
        link_started_by=staff,
        link_started_at=timezone.now(),
    )
    body = (
        f"oauth_token={xmock.ACCESS_TOKEN}&oauth_token_secret={xmock.ACCESS_SECRET}"
        f"&user_id={xmock.USER_ID}&screen_name={xmock.SCREEN_NAME}"
    )

    def slow_exchange(request):
        time.sleep(0.3)
        return 200, {}, body

    x.add_callback("POST", xmock.ACCESS_TOKEN_URL, callback=slow_exchange)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def deliver():
        try:
            barrier.wait()
            flows.complete_link(
                account=BotAccount.objects.get(pk=account.pk),
                oauth_token=xmock.REQUEST_TOKEN,
                verifier=xmock.VERIFIER,
                user=staff,
            )
            results.append("linked")
        except FlowNotFoundError:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["linked", "refused"]
    assert len(x.calls) == 1
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == xmock.ACCESS_TOKEN
    assert account.twitter_oauth_token == ""
