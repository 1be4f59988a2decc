"""After an encryption key is lost, one unreadable row blocks nothing else (issue 9, item 5)."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.urls import reverse

from botauth.models import BotAccount
from tests import xmock
from tests.helpers import CALLBACK, call, make_linked, messages_of, pending

APPROVED = {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER}


@pytest.fixture
def lose_key(settings):
    """Replace the only key: every row written before cannot be decrypted any more."""

    def lose() -> None:
        settings.BOTAUTH_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    return lose


def raw(account: BotAccount, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM botauth_botaccount WHERE id = %s", [account.pk])
        return str(cursor.fetchone()[0])


def test_a_callback_reads_only_the_row_it_matched(staff, staff_client, lose_key, x, db):
    old_linked = make_linked("oldbot", user_id="1111", username="oldbot")
    old_pending = pending(BotAccount.objects.create(name="stale"), staff, token="oldtoken")
    before = raw(old_pending, "twitter_oauth_token_secret"), raw(old_linked, "twitter_access_token")
    lose_key()
    fresh = pending(BotAccount.objects.create(name="fresh"), staff)
    xmock.access_token(x)
    response = staff_client.get(CALLBACK, APPROVED)
    assert response.status_code == 302
    assert messages_of(response) == ["Linked @twitterapi"]
    fresh.refresh_from_db()
    assert fresh.status == BotAccount.Status.LINKED
    assert fresh.twitter_access_token == xmock.ACCESS_TOKEN
    after = raw(old_pending, "twitter_oauth_token_secret"), raw(old_linked, "twitter_access_token")
    assert after == before


def test_relinking_a_row_whose_pair_is_unreadable_replaces_the_pair(staff_client, lose_key, x, db):
    account = make_linked("lostkey")
    lose_key()
    xmock.request_token(x)
    xmock.access_token(x, token=f"{xmock.USER_ID}-renewed", secret="renewedsecret")
    start = staff_client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))
    assert start.status_code == 302
    assert staff_client.get(CALLBACK, APPROVED).status_code == 302
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == f"{xmock.USER_ID}-renewed"
    assert account.twitter_access_token_secret == "renewedsecret"


def test_a_flow_whose_own_secret_is_unreadable_says_so_and_ends(staff, staff_client, lose_key, x):
    account = pending(BotAccount.objects.create(name="newsbot"), staff)
    lose_key()
    response = staff_client.get(CALLBACK, APPROVED)
    assert response.status_code == 400
    body = response.content.decode()
    assert "cannot be decrypted with any key in BOTAUTH_ENCRYPTION_KEYS" in body
    assert "start again with “Link with X”" in body
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert (account.twitter_oauth_token, account.link_started_at) == ("", None)
    assert raw(account, "twitter_oauth_token_secret") == ""


def test_admin_unlink_forgets_a_pair_it_cannot_read(staff_client, lose_key, x, db):
    account = make_linked("lostkey")
    lose_key()
    response = staff_client.post(reverse("admin:botauth_botaccount_unlink", args=[account.pk]))
    assert response.status_code == 302
    assert messages_of(response) == [
        "Unlinked “lostkey” and forgot its token, but X did not confirm the revocation (its "
        "token cannot be decrypted with BOTAUTH_ENCRYPTION_KEYS). Revoke the app in the bot's X "
        "settings (Security and account access > Apps and sessions)."
    ]
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert (account.twitter_access_token, account.twitter_access_token_secret) == ("", "")
    assert (account.twitter_user_id, account.twitter_username) == ("", "")


def test_admin_verify_now_on_an_unreadable_row_says_why(staff_client, lose_key, x, db):
    account = make_linked("lostkey")
    lose_key()
    response = staff_client.post(reverse("admin:botauth_botaccount_verify", args=[account.pk]))
    assert response.status_code == 302
    assert messages_of(response) == [
        "Verified with X: 1 error.",
        "“lostkey”: cannot decrypt: key missing. No key in BOTAUTH_ENCRYPTION_KEYS decrypts this "
        "bot's token; put the old key back (after the new one) or link the bot again. X was not "
        "called.",
    ]
    assert len(x.calls) == 0
    account = BotAccount.objects.without_secrets().get(pk=account.pk)
    assert account.status == BotAccount.Status.LINKED
    assert account.last_verification == BotAccount.Verification.ERROR
    assert account.last_verification_detail.startswith("cannot decrypt: key missing.")


def test_the_change_and_unlink_pages_of_an_unreadable_row_open(staff_client, lose_key, db):
    account = make_linked("lostkey")
    lose_key()
    for name in ("change", "unlink"):
        url = reverse(f"admin:botauth_botaccount_{name}", args=[account.pk])
        assert staff_client.get(url).status_code == 200


def test_the_pin_command_relinks_a_row_whose_pair_is_unreadable(lose_key, x, db):
    account = make_linked("lostkey")
    lose_key()
    xmock.request_token(x)
    xmock.access_token(x)
    out, err, code = call("link_bot_account", "lostkey", stdin=io.StringIO("1234567\n"))
    assert (code, err) == (
        0,
        "“lostkey” is already linked to @twitterapi. Approving as that X "
        "account renews its token; another X account is refused (unlink "
        "first).\n",
    )
    account.refresh_from_db()
    assert account.twitter_access_token == xmock.ACCESS_TOKEN


def test_the_pin_command_without_a_key_prints_a_clear_error(account, x, settings):
    settings.BOTAUTH_ENCRYPTION_KEYS = []
    xmock.request_token(x)
    out, err, code = call("link_bot_account", "newsbot", stdin=io.StringIO("1\n"))
    assert code == 1
    assert err.startswith("Set BOTAUTH_ENCRYPTION_KEYS to one or more comma-separated Fernet keys")
    assert err.endswith("'newsbot' was not changed.\n")
    assert "Traceback" not in err
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert account.twitter_oauth_token == ""
