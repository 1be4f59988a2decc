from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.db import connection

from botauth.exceptions import DecryptionError
from botauth.models import BotAccount
from tests.helpers import call

OLD_KEY = "bXN1LXRlc3Qta2V5LTAwMDAwMDAwMDAwMDAwMDAwMDA="
NEW_KEY = "lBi9Dlm8XvP4CzkPQHKnvM1mZKukXKxsRMVSwBQI4qs="
OTHER_KEY = "ZmRzYS1vdGhlci1rZXktMDAwMDAwMDAwMDAwMDAwMDA="
SECRET_COLUMNS = (
    "twitter_oauth_token_secret",
    "twitter_access_token",
    "twitter_access_token_secret",
)


def raw_row(account: BotAccount) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(SECRET_COLUMNS)} FROM botauth_botaccount WHERE id = %s",
            [account.pk],
        )
        row: tuple[str, str, str] = cursor.fetchone()
        return row


def create_account(name: str, n: int) -> BotAccount:
    return BotAccount.objects.create(
        name=name,
        status=BotAccount.Status.LINKED,
        twitter_oauth_token=f"requesttoken{n}",
        twitter_oauth_token_secret=f"requestsecret{n}",
        twitter_access_token=f"{n}-accesstoken",
        twitter_access_token_secret=f"accesssecret{n}",
        twitter_user_id=str(n),
    )


def clear_values(n: int) -> tuple[str, str, str]:
    return (f"requestsecret{n}", f"{n}-accesstoken", f"accesssecret{n}")


@pytest.fixture
def old_rows(settings, db) -> list[BotAccount]:
    settings.BOTAUTH_ENCRYPTION_KEYS = [OLD_KEY]
    return [create_account(f"bot{n}", n) for n in range(3)]


def test_rows_are_reencrypted_with_the_new_key(settings, old_rows):
    before = [raw_row(account) for account in old_rows]
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    out, err, code = call("reencrypt_bot_tokens")
    assert (out, err, code) == (
        "Re-encrypted the tokens of 3 bot accounts with the newest key.\n",
        "",
        0,
    )
    new = Fernet(NEW_KEY.encode())
    for n, account in enumerate(old_rows):
        after = raw_row(account)
        for old_cipher, new_cipher, clear in zip(before[n], after, clear_values(n), strict=True):
            assert new_cipher != old_cipher
            assert clear not in new_cipher
            assert new.decrypt(new_cipher.encode()).decode() == clear
            with pytest.raises(InvalidToken):
                Fernet(OLD_KEY.encode()).decrypt(new_cipher.encode())


def test_after_reencryption_the_old_key_can_be_removed(settings, old_rows):
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call("reencrypt_bot_tokens")
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY]
    for n, account in enumerate(old_rows):
        account = BotAccount.objects.get(pk=account.pk)
        assert (
            account.twitter_oauth_token_secret,
            account.twitter_access_token,
            account.twitter_access_token_secret,
        ) == clear_values(n)
        assert account.access_pair() == (f"{n}-accesstoken", f"accesssecret{n}")


def test_without_reencryption_the_old_key_cannot_be_removed(settings, old_rows):
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(DecryptionError):
        BotAccount.objects.get(pk=old_rows[0].pk)


def test_raw_rows_never_hold_a_clear_token(settings, old_rows):
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call("reencrypt_bot_tokens")
    for n, account in enumerate(old_rows):
        row = raw_row(account)
        for clear in clear_values(n):
            assert all(clear not in cipher for cipher in row)
        assert all(cipher.startswith("gAAAAA") for cipher in row)


def test_empty_tokens_stay_empty(settings, old_rows):
    unlinked = BotAccount.objects.create(name="unlinked")
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    out, err, code = call("reencrypt_bot_tokens")
    assert out == "Re-encrypted the tokens of 4 bot accounts with the newest key.\n"
    assert raw_row(unlinked) == ("", "", "")
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY]
    assert BotAccount.objects.get(pk=unlinked.pk).twitter_access_token == ""


def test_other_columns_are_left_alone(settings, old_rows):
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call("reencrypt_bot_tokens")
    account = BotAccount.objects.get(pk=old_rows[1].pk)
    assert (account.name, account.status, account.twitter_user_id) == ("bot1", "linked", "1")
    assert account.twitter_oauth_token == "requesttoken1"


def test_more_accounts_than_one_chunk(settings, db):
    settings.BOTAUTH_ENCRYPTION_KEYS = [OLD_KEY]
    BotAccount.objects.bulk_create(
        BotAccount(name=f"bot{n:04}", twitter_access_token=f"{n}-accesstoken") for n in range(501)
    )
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    out, err, code = call("reencrypt_bot_tokens")
    assert (out, code) == ("Re-encrypted the tokens of 501 bot accounts with the newest key.\n", 0)
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY]
    tokens = dict(BotAccount.objects.values_list("name", "twitter_access_token"))
    assert len(tokens) == 501
    assert tokens["bot0000"] == "0-accesstoken"
    assert tokens["bot0500"] == "500-accesstoken"


def test_a_row_no_key_decrypts_stops_with_a_clear_error(settings, old_rows):
    settings.BOTAUTH_ENCRYPTION_KEYS = [OTHER_KEY]
    stranger = create_account("stranger", 9)
    stranger_before = raw_row(stranger)
    before = raw_row(old_rows[0])
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    out, err, code = call("reencrypt_bot_tokens")
    assert code == 1
    assert err == (
        "A stored token cannot be decrypted with any key in BOTAUTH_ENCRYPTION_KEYS. If the keys "
        "were rotated, put the old key back after the new one. 0 accounts were re-encrypted "
        "before this.\n"
    )
    assert out == ""
    assert raw_row(old_rows[0]) == before
    assert raw_row(stranger) == stranger_before


def test_no_keys_is_a_clear_error(settings, old_rows):
    before = raw_row(old_rows[0])
    settings.BOTAUTH_ENCRYPTION_KEYS = []
    out, err, code = call("reencrypt_bot_tokens")
    assert code == 1
    assert err.startswith("Set BOTAUTH_ENCRYPTION_KEYS to one or more comma-separated Fernet keys")
    assert raw_row(old_rows[0]) == before


def test_an_oauth2_refresh_token_is_reencrypted_too(settings, db):
    settings.BOTAUTH_ENCRYPTION_KEYS = [OLD_KEY]
    account = BotAccount.objects.create(
        name="oauth2bot",
        status=BotAccount.Status.LINKED,
        protocol=BotAccount.Protocol.OAUTH2,
        twitter_access_token="oauth2-access-token",
        twitter_refresh_token="oauth2-refresh-token",
        twitter_user_id="42",
    )
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert call("reencrypt_bot_tokens")[2] == 0
    settings.BOTAUTH_ENCRYPTION_KEYS = [NEW_KEY]
    account = BotAccount.objects.get(pk=account.pk)
    assert account.twitter_refresh_token == "oauth2-refresh-token"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT twitter_refresh_token FROM botauth_botaccount WHERE id = %s", [account.pk]
        )
        (raw,) = cursor.fetchone()
    assert Fernet(NEW_KEY.encode()).decrypt(raw.encode()) == b"oauth2-refresh-token"
