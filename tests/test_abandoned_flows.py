"""Abandoned flows expire, and a revoked permission stops a flow at the callback (item 11)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from botauth.admin import BotAccountAdmin
from botauth.models import BotAccount
from tests import xmock
from tests.helpers import call, make_linked

CALLBACK = "/botauth/callback/"
APPROVED = {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER}


def flow(account: BotAccount, *, age: timedelta, token: str = "sometoken") -> BotAccount:
    account.twitter_oauth_token = token
    account.twitter_oauth_token_secret = "somesecret"
    account.link_started_at = timezone.now() - age
    account.link_session_hash = "f" * 64
    if not account.is_linked:
        account.status = BotAccount.Status.PENDING
    account.save()
    return account


def raw_secret(account: BotAccount) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT twitter_oauth_token_secret FROM botauth_botaccount WHERE id = %s", [account.pk]
        )
        return str(cursor.fetchone()[0])


def assert_no_flow(account: BotAccount, status: str) -> None:
    account.refresh_from_db()
    assert account.status == status
    assert (account.twitter_oauth_token, raw_secret(account)) == ("", "")
    assert (account.link_started_at, account.link_session_hash) == (None, "")


@pytest.fixture
def flows_of_every_kind(db) -> dict[str, BotAccount]:
    crashed = flow(BotAccount.objects.create(name="crashed"), age=timedelta(hours=1), token="")
    return {
        "abandoned": flow(BotAccount.objects.create(name="abandoned"), age=timedelta(minutes=16)),
        "relink": flow(make_linked("relink"), age=timedelta(days=2)),
        "crashed": crashed,
        "fresh": flow(BotAccount.objects.create(name="fresh"), age=timedelta(minutes=1)),
        "idle": BotAccount.objects.create(name="idle"),
    }


def test_the_command_ends_abandoned_flows_and_wipes_their_secret(flows_of_every_kind):
    out, err, code = call("expire_pending_links")
    assert (out, err, code) == ("Expired 3 abandoned link flows.\n", "", 0)
    accounts = flows_of_every_kind
    assert_no_flow(accounts["abandoned"], BotAccount.Status.UNLINKED)
    assert_no_flow(accounts["crashed"], BotAccount.Status.UNLINKED)
    assert_no_flow(accounts["relink"], BotAccount.Status.LINKED)
    relink = accounts["relink"]
    assert relink.twitter_access_token == f"{xmock.USER_ID}-accesstokenrelink"
    fresh = accounts["fresh"]
    fresh.refresh_from_db()
    assert fresh.status == BotAccount.Status.PENDING
    assert fresh.twitter_oauth_token_secret == "somesecret"


def test_the_command_lists_names_in_order_at_verbosity_2(flows_of_every_kind):
    out, err, code = call("expire_pending_links", verbosity=2)
    assert out == "  abandoned\n  crashed\n  relink\nExpired 3 abandoned link flows.\n"


def test_the_command_is_quiet_at_verbosity_0_and_idempotent(flows_of_every_kind):
    assert call("expire_pending_links", verbosity=0) == ("", "", 0)
    assert call("expire_pending_links") == ("Expired 0 abandoned link flows.\n", "", 0)


def test_the_ttl_setting_decides_what_is_abandoned(flows_of_every_kind, settings):
    settings.BOTAUTH_PENDING_TTL = 30
    out, err, code = call("expire_pending_links")
    assert out == "Expired 4 abandoned link flows.\n"
    assert_no_flow(flows_of_every_kind["fresh"], BotAccount.Status.UNLINKED)


def test_starting_a_link_ends_every_abandoned_flow(flows_of_every_kind, staff_client, x):
    xmock.request_token(x)
    idle = flows_of_every_kind["idle"]
    response = staff_client.post(reverse("botauth:authenticate_twitter", args=[idle.pk]))
    assert response.status_code == 302
    assert_no_flow(flows_of_every_kind["abandoned"], BotAccount.Status.UNLINKED)
    idle.refresh_from_db()
    assert idle.status == BotAccount.Status.PENDING
    assert idle.twitter_oauth_token == xmock.REQUEST_TOKEN


# The permission is checked again when X sends the person back.


def start(client, account: BotAccount) -> None:
    assert client.post(reverse("botauth:authenticate_twitter", args=[account.pk])).status_code == (
        302
    )


def test_a_change_permission_revoked_after_the_start_blocks_the_link(
    staff, staff_client, account, x
):
    xmock.request_token(x)
    xmock.access_token(x)
    start(staff_client, account)
    staff.user_permissions.remove(Permission.objects.get(codename="change_botaccount"))
    response = staff_client.get(CALLBACK, APPROVED)
    assert response.status_code == 403
    assert "You may no longer change “newsbot”" in response.content.decode()
    assert [c.request.url for c in x.calls] == [xmock.REQUEST_TOKEN_URL]
    assert_no_flow(account, BotAccount.Status.UNLINKED)
    assert account.twitter_access_token == ""


def test_the_admins_object_level_rule_is_asked_at_the_callback(
    staff, staff_client, account, x, monkeypatch
):
    xmock.request_token(x)
    start(staff_client, account)

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.name != "newsbot"

    monkeypatch.setattr(BotAccountAdmin, "has_change_permission", has_change_permission)
    response = staff_client.get(CALLBACK, {"denied": xmock.REQUEST_TOKEN})
    assert response.status_code == 403
    assert len(x.calls) == 1
    assert_no_flow(account, BotAccount.Status.UNLINKED)


def test_the_start_asks_the_admins_object_level_rule_too(staff_client, account, x, monkeypatch):
    def has_change_permission(self, request, obj=None):
        return obj is None

    monkeypatch.setattr(BotAccountAdmin, "has_change_permission", has_change_permission)
    response = staff_client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))
    assert response.status_code == 403
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert account.twitter_oauth_token == ""
