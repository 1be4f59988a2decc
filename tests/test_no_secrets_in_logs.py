from __future__ import annotations

import logging

from django.core.management import call_command
from django.urls import reverse

from botauth.models import BotAccount
from tests import xmock


def test_a_whole_link_and_verify_at_debug_logs_no_token(staff_client, account, x, caplog):
    caplog.set_level(logging.DEBUG)
    xmock.request_token(x)
    xmock.access_token(x)
    xmock.users_me(x)
    xmock.users_me(x)
    staff_client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))
    staff_client.get(
        reverse("botauth:authenticate_twitter_callback"),
        {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER},
    )
    account.refresh_from_db()
    account.get_tweepy_client().get_me(user_auth=True)
    call_command("verify_bot_tokens", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert account.status == BotAccount.Status.LINKED
    assert len(x.calls) == 4
    logged = caplog.text
    for secret in (
        xmock.REQUEST_SECRET,
        xmock.ACCESS_SECRET,
        xmock.ACCESS_TOKEN,
        xmock.VERIFIER,
        "test-consumer-secret",
    ):
        assert secret not in logged
