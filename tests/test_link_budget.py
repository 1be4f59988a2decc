"""A link stays at the protocol's minimum: two calls to X, a bounded number of queries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from botauth.models import BotAccount
from tests import xmock


def test_a_web_link_makes_two_calls_to_x_and_few_queries(staff_client, account, x):
    xmock.request_token(x)
    xmock.access_token(x)
    with CaptureQueriesContext(connection) as start_queries:
        start = staff_client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))
    with CaptureQueriesContext(connection) as callback_queries:
        callback = staff_client.get(
            reverse("botauth:authenticate_twitter_callback"),
            {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER},
        )
    assert (start.status_code, callback.status_code) == (302, 302)
    assert [c.request.url for c in x.calls] == [xmock.REQUEST_TOKEN_URL, xmock.ACCESS_TOKEN_URL]
    # Start: session, user, permissions (2), account, expire abandoned flows, update, the
    # session's binding value (in a savepoint). Callback: session, user, pending flows,
    # permissions again (2), the matched flow's secret, claim, lock, identity check, store (in
    # a savepoint), the admin history's entry and its content type (cached after the first).
    assert len(start_queries) <= 10, [q["sql"] for q in start_queries.captured_queries]
    assert len(callback_queries) <= 14, [q["sql"] for q in callback_queries.captured_queries]
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_username == xmock.SCREEN_NAME
