"""The database failing mid-callback answers 503 and leaves the account as it was (item 6)."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError, connection, connections
from django.test import Client

from botauth import flows
from botauth.exceptions import LinkUnavailableError
from botauth.flows import exchange
from botauth.models import BotAccount
from tests import xmock
from tests.helpers import make_linked, pending, skip_unless_postgres

CALLBACK = "/botauth/callback/"
APPROVED = {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER}


def assert_pending_as_before(account: BotAccount) -> None:
    account.refresh_from_db()
    assert account.status == BotAccount.Status.PENDING
    assert account.twitter_oauth_token == xmock.REQUEST_TOKEN
    assert account.twitter_oauth_token_secret == xmock.REQUEST_SECRET
    assert (account.twitter_access_token, account.twitter_user_id) == ("", "")


@pytest.fixture
def failing_store(monkeypatch):
    def fail(error: Exception) -> None:
        def store_access(self, **kwargs):
            raise error

        monkeypatch.setattr(BotAccount, "store_access", store_access)

    return fail


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ],
)
def test_a_failed_store_answers_503_and_puts_the_flow_back(
    staff, staff_client, account, x, failing_store, error
):
    pending(account, staff)
    xmock.access_token(x)
    failing_store(error)
    response = staff_client.get(CALLBACK, APPROVED)
    assert response.status_code == 503
    body = response.content.decode()
    assert "The database did not answer while the link was being stored" in body
    assert "Try again" in body
    assert len(x.calls) == 1
    assert_pending_as_before(account)


def test_trying_again_after_a_failed_store_links(
    staff, staff_client, account, x, failing_store, monkeypatch
):
    pending(account, staff)
    xmock.access_token(x)
    failing_store(OperationalError("gone"))
    assert staff_client.get(CALLBACK, APPROVED).status_code == 503
    monkeypatch.undo()
    assert staff_client.get(CALLBACK, APPROVED).status_code == 302
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == xmock.ACCESS_TOKEN


def test_a_failed_store_on_a_relink_keeps_the_stored_pair(
    staff, staff_client, x, failing_store, db
):
    account = pending(make_linked("keeper"), staff)
    xmock.access_token(x, token=f"{xmock.USER_ID}-fresh")
    failing_store(OperationalError("gone"))
    assert staff_client.get(CALLBACK, APPROVED).status_code == 503
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == f"{xmock.USER_ID}-accesstokenkeeper"
    assert account.twitter_oauth_token == xmock.REQUEST_TOKEN


def test_a_failure_while_matching_answers_503_without_calling_x(
    staff, staff_client, account, x, monkeypatch
):
    pending(account, staff)

    def find_pending(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(flows, "find_pending", find_pending)
    response = staff_client.get(CALLBACK, APPROVED)
    assert response.status_code == 503
    assert len(x.calls) == 0
    assert_pending_as_before(account)


def kill_this_connection() -> None:
    victim = connection.connection.get_backend_pid()
    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [victim])
    finally:
        killer.close()


@pytest.fixture
def postgres(transactional_db):
    skip_unless_postgres("killing a connection needs PostgreSQL")


@pytest.mark.postgres
def test_a_connection_killed_while_x_answers_is_reopened_to_put_the_flow_back(postgres, staff, x):
    account = pending(BotAccount.objects.create(name="newsbot"), staff)
    client = Client()
    client.force_login(staff)
    body = (
        f"oauth_token={xmock.ACCESS_TOKEN}&oauth_token_secret={xmock.ACCESS_SECRET}"
        f"&user_id={xmock.USER_ID}&screen_name={xmock.SCREEN_NAME}"
    )

    def answer_after_the_connection_dies(request):
        kill_this_connection()
        return 200, {}, body

    x.add_callback("POST", xmock.ACCESS_TOKEN_URL, callback=answer_after_the_connection_dies)
    response = client.get(CALLBACK, APPROVED)
    assert response.status_code == 503
    connection.close()
    assert_pending_as_before(account)


@pytest.mark.postgres
def test_a_connection_lost_outside_a_transaction_is_reopened_to_put_the_flow_back(
    postgres, staff, x, monkeypatch
):
    account = pending(BotAccount.objects.create(name="newsbot"), staff)
    xmock.access_token(x)

    def store(pk, grant, **kwargs):
        kill_this_connection()
        BotAccount.objects.count()  # fails, and leaves the dead connection open

    monkeypatch.setattr(exchange, "store", store)
    with pytest.raises(LinkUnavailableError):
        flows.complete_link(
            account=account, oauth_token=xmock.REQUEST_TOKEN, verifier=xmock.VERIFIER, user=staff
        )
    assert_pending_as_before(account)
