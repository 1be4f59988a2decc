from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.db import transaction

from botauth.exceptions import BotauthConfigurationError, DecryptionError
from botauth.models import BotAccount
from tests.helpers import make_linked, raw_row


def test_tokens_are_encrypted_in_the_row_and_clear_through_the_orm(db):
    account = make_linked("enc")
    row = raw_row(account.pk)
    assert "accesstokenenc" not in row["twitter_access_token"]
    assert "accesssecretenc" not in row["twitter_access_token_secret"]
    assert row["twitter_access_token"].startswith("gAAAA")
    fresh = BotAccount.objects.get(pk=account.pk)
    assert fresh.twitter_access_token.endswith("-accesstokenenc")
    assert fresh.twitter_access_token_secret == "accesssecretenc"


def test_empty_secret_is_stored_empty(db):
    account = BotAccount.objects.create(name="empty")
    assert raw_row(account.pk)["twitter_access_token"] == ""
    assert BotAccount.objects.get(pk=account.pk).twitter_access_token == ""


def test_wrong_key_fails_loudly_instead_of_returning_ciphertext(db, settings):
    account = make_linked("wrongkey")
    settings.BOTAUTH_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError, match="BOTAUTH_ENCRYPTION_KEYS"):
        BotAccount.objects.get(pk=account.pk)


def test_missing_key_refuses_to_store(db, settings):
    settings.BOTAUTH_ENCRYPTION_KEYS = []
    with (
        pytest.raises(BotauthConfigurationError, match="Set BOTAUTH_ENCRYPTION_KEYS"),
        transaction.atomic(),
    ):
        make_linked("nokey")
    assert not BotAccount.objects.filter(name="nokey").exists()


def test_old_key_after_the_new_one_still_decrypts(db, settings):
    old = settings.BOTAUTH_ENCRYPTION_KEYS[0]
    account = make_linked("rotated")
    settings.BOTAUTH_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]
    assert (
        BotAccount.objects.get(pk=account.pk).twitter_access_token_secret == "accesssecretrotated"
    )


def test_lookups_on_encrypted_fields_are_refused(db):
    with pytest.raises(FieldError) as refused:
        list(BotAccount.objects.filter(twitter_access_token="x"))
    # The field is generic: it names itself, never another model's columns.
    assert str(refused.value) == (
        "BotAccount.twitter_access_token is encrypted and cannot be filtered with 'exact' (its "
        "ciphertext differs on every save); only isnull works on it."
    )
    with pytest.raises(FieldError, match="is encrypted"):
        # Passed as a dict: django-stubs' mypy plugin resolves a literal lookup by calling the
        # field's get_lookup(), which raises this very FieldError and crashed mypy 2.4.1.
        lookup = {"twitter_access_token_secret__startswith": "x"}
        list(BotAccount.objects.filter(**lookup))


def test_isnull_lookup_is_allowed(db):
    make_linked("nullcheck")
    assert BotAccount.objects.filter(twitter_access_token__isnull=False).count() == 1
