"""dumpdata writes ciphertext, loaddata restores working tokens, nothing is encrypted twice."""

from __future__ import annotations

import io
import json

import pytest
from cryptography.fernet import Fernet
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db import transaction

from botauth.fields import CIPHERTEXT_PREFIX
from botauth.models import BotAccount
from tests.helpers import make_linked, raw_row

SECRET_FIELDS = [
    "twitter_access_token",
    "twitter_access_token_secret",
    "twitter_oauth_token_secret",
]


@pytest.fixture
def two_bots(db) -> list[BotAccount]:
    first = make_linked("dumpfirst", user_id="1001", username="dumpfirst")
    second = make_linked("dumpsecond", user_id="1002", username="dumpsecond")
    second.twitter_oauth_token = "pendingrequesttoken"
    second.twitter_oauth_token_secret = "pendingrequestsecret"
    second.save()
    return [first, second]


def dump(*args: str) -> str:
    out = io.StringIO()
    call_command("dumpdata", "botauth", *args, stdout=out)
    return out.getvalue()


def load(text: str, tmp_path, fmt: str = "json") -> None:
    path = tmp_path / f"dump.{fmt}"
    path.write_text(text)
    call_command("loaddata", str(path), stdout=io.StringIO())


def clear_values(accounts: list[BotAccount]) -> list[str]:
    return [getattr(a, name) for a in accounts for name in SECRET_FIELDS if getattr(a, name)]


def test_dumpdata_writes_the_stored_ciphertext_and_no_clear_token(two_bots):
    clear = clear_values(two_bots)
    assert len(clear) == 5
    text = dump()
    for value in clear:
        assert value not in text
    fields = {row["fields"]["name"]: row["fields"] for row in json.loads(text)}
    for account in two_bots:
        stored = raw_row(account.pk)
        for name in SECRET_FIELDS:
            expected = CIPHERTEXT_PREFIX + stored[name] if stored[name] else ""
            assert fields[account.name][name] == expected
    first = BotAccount.objects.get(name="dumpfirst")
    assert first.twitter_access_token == "1001-accesstokendumpfirst"


def test_loaddata_into_an_empty_table_restores_the_same_tokens(two_bots, tmp_path, settings):
    before = {a.name: [getattr(a, n) for n in SECRET_FIELDS] for a in two_bots}
    text = dump()
    BotAccount.objects.all().delete()
    assert BotAccount.objects.count() == 0
    load(text, tmp_path)
    after = {a.name: [getattr(a, n) for n in SECRET_FIELDS] for a in BotAccount.objects.all()}
    assert after == before
    # Stored once-encrypted: the column decrypts straight to the clear token.
    account = BotAccount.objects.get(name="dumpfirst")
    column = raw_row(account.pk)["twitter_access_token"]
    assert column.startswith("gAAAA")
    assert not column.startswith(CIPHERTEXT_PREFIX)
    key = Fernet(settings.BOTAUTH_ENCRYPTION_KEYS[0].encode())
    assert key.decrypt(column.encode()).decode() == "1001-accesstokendumpfirst"
    assert account.get_tweepy_client().consumer_key == "test-consumer-key"


def test_loaddata_over_the_same_rows_changes_no_token(two_bots, tmp_path):
    load(dump(), tmp_path)
    first = BotAccount.objects.get(name="dumpfirst")
    assert first.twitter_access_token == "1001-accesstokendumpfirst"
    assert first.twitter_access_token_secret == "accesssecretdumpfirst"
    second = BotAccount.objects.get(name="dumpsecond")
    assert second.twitter_oauth_token_secret == "pendingrequestsecret"


def test_a_dump_loads_after_key_rotation_and_is_stored_under_the_new_key(
    two_bots, tmp_path, settings
):
    text = dump()
    old = settings.BOTAUTH_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.BOTAUTH_ENCRYPTION_KEYS = [new, old]
    BotAccount.objects.all().delete()
    load(text, tmp_path)
    account = BotAccount.objects.get(name="dumpsecond")
    assert account.twitter_access_token_secret == "accesssecretdumpsecond"
    column = raw_row(account.pk)["twitter_access_token_secret"]
    assert Fernet(new.encode()).decrypt(column.encode()).decode() == "accesssecretdumpsecond"


def test_a_dump_from_a_server_with_other_keys_loads_nothing(two_bots, tmp_path, settings):
    text = dump()
    BotAccount.objects.all().delete()
    settings.BOTAUTH_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DeserializationError, match="cannot be decrypted with any key"):
        load(text, tmp_path)
    assert BotAccount.objects.count() == 0


def test_an_old_dump_with_clear_tokens_loads_them_encrypted(db, tmp_path):
    old_dump = json.dumps(
        [
            {
                "model": "botauth.botaccount",
                "pk": 7,
                "fields": {
                    "name": "olddump",
                    "status": "linked",
                    "twitter_access_token": "7-clearaccesstoken",
                    "twitter_access_token_secret": "clearaccesssecret",
                    "twitter_user_id": "7",
                    "twitter_username": "olddump",
                    "created_at": "2024-05-01T00:00:00Z",
                    "updated_at": "2024-05-01T00:00:00Z",
                },
            }
        ]
    )
    load(old_dump, tmp_path)
    assert BotAccount.objects.get(pk=7).twitter_access_token == "7-clearaccesstoken"
    assert raw_row(7)["twitter_access_token"].startswith("gAAAA")
    assert "7-clearaccesstoken" not in dump()


def test_xml_dumps_hold_ciphertext_too(two_bots, tmp_path):
    text = dump("--format", "xml")
    for value in clear_values(two_bots):
        assert value not in text
    assert CIPHERTEXT_PREFIX + "gAAAA" in text
    BotAccount.objects.all().delete()
    load(text, tmp_path, fmt="xml")
    assert BotAccount.objects.get(name="dumpfirst").twitter_access_token_secret == (
        "accesssecretdumpfirst"
    )


def test_serializing_a_changed_instance_encrypts_the_new_value(two_bots):
    account = BotAccount.objects.get(name="dumpfirst")
    account.twitter_access_token = "1001-changedinmemory"
    text = serializers.serialize("json", [account])
    assert "1001-changedinmemory" not in text
    value = json.loads(text)[0]["fields"]["twitter_access_token"]
    assert value.startswith(CIPHERTEXT_PREFIX)
    field = BotAccount._meta.get_field("twitter_access_token")
    assert field.to_python(value) == "1001-changedinmemory"
    assert BotAccount.objects.get(name="dumpfirst").twitter_access_token == (
        "1001-accesstokendumpfirst"
    )


def test_a_clear_value_that_looks_like_ciphertext_is_refused(db):
    account = BotAccount(name="lookalike", twitter_access_token=CIPHERTEXT_PREFIX + "gAAAAxyz")
    with (
        pytest.raises(ValueError, match="ciphertext where a clear value belongs"),
        transaction.atomic(),
    ):
        account.save()
    assert not BotAccount.objects.filter(name="lookalike").exists()


def test_empty_secrets_stay_empty_in_a_dump(db, tmp_path):
    BotAccount.objects.create(name="emptydump")
    row = json.loads(dump())[0]["fields"]
    assert [row[name] for name in SECRET_FIELDS] == ["", "", ""]
    BotAccount.objects.all().delete()
    load(dump_of_row(row), tmp_path)
    assert raw_row(BotAccount.objects.get().pk)["twitter_access_token"] == ""


def dump_of_row(fields: dict[str, object]) -> str:
    return json.dumps([{"model": "botauth.botaccount", "pk": 1, "fields": fields}])
