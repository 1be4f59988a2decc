"""OAuth 2.0 bots in the admin, verify_bot_tokens and reencrypt_bot_tokens: never a token shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.asserts import assertContains, assertNotContains

from botauth.models import BotAccount
from tests import xmock
from tests import xmock_oauth2 as x2
from tests.helpers import call, change_url, make_linked

EXPIRES = datetime(2031, 5, 6, 7, 8, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("no_backoff")


def make_oauth2(
    name: str = "o2bot", *, expires: datetime = EXPIRES, user_id: str = x2.USER_ID
) -> BotAccount:
    return BotAccount.objects.create(
        name=name,
        status=BotAccount.Status.LINKED,
        protocol=BotAccount.Protocol.OAUTH2,
        twitter_access_token=f"{name}-{x2.ACCESS_TOKEN}",
        twitter_refresh_token=f"{name}-{x2.REFRESH_TOKEN}",
        token_expires_at=expires,
        scopes=x2.POSTING_SCOPES,
        twitter_user_id=user_id,
        twitter_username=x2.USERNAME,
    )


# The admin


def test_the_change_page_shows_protocol_expiry_and_scopes_and_no_token(staff_client, db):
    account = make_oauth2()
    html = staff_client.get(change_url(account)).content.decode()
    assert '<div class="readonly">OAuth 2.0</div>' in html
    assert '<div class="readonly">' + x2.POSTING_SCOPES + "</div>" in html
    assert "May 6, 2031, 7:08 a.m. (in " in html
    for secret in (x2.ACCESS_TOKEN, x2.REFRESH_TOKEN, "gAAAAA"):
        assert secret not in html
    account.refresh_from_db()
    assert account.twitter_refresh_token == f"o2bot-{x2.REFRESH_TOKEN}"


def test_the_change_page_shows_when_the_token_was_last_refreshed(staff_client, db):
    account = make_oauth2()
    refreshed = datetime(2031, 5, 6, 5, 8, tzinfo=UTC)
    BotAccount.objects.filter(pk=account.pk).update(token_refreshed_at=refreshed)

    html = staff_client.get(change_url(account)).content.decode()

    assert "<label>Token refreshed at:</label>" in html
    assert '<div class="readonly">May 6, 2031, 5:08 a.m.</div>' in html
    assert "When botauth last rotated the OAuth 2.0 pair" in html
    # Beside the other OAuth 2.0 fields: after the expiry, before the scopes.
    expiry, refreshed_at, scopes = (
        html.index(f'class="form-row field-{name}')
        for name in ("access_token_expiry", "token_refreshed_at", "scopes")
    )
    assert expiry < refreshed_at < scopes
    assert 'name="token_refreshed_at"' not in html
    for secret in (x2.ACCESS_TOKEN, x2.REFRESH_TOKEN, "gAAAAA"):
        assert secret not in html
    account.refresh_from_db()
    assert account.token_refreshed_at == refreshed
    assert account.twitter_refresh_token == f"o2bot-{x2.REFRESH_TOKEN}"


def test_an_oauth1_change_page_has_no_refresh_time(staff_client, linked):
    html = staff_client.get(change_url(linked)).content.decode()
    assert "field-token_refreshed_at" not in html
    assert "Token refreshed at" not in html


def test_an_expired_token_says_it_needs_a_refresh(staff_client, db):
    account = make_oauth2(expires=timezone.now() - timedelta(minutes=1))
    assertContains(staff_client.get(change_url(account)), "(expired: needs a refresh)")


def test_the_changelist_shows_the_protocol_and_filters_by_it(staff_client, linked, db):
    make_oauth2()
    changelist = reverse("admin:botauth_botaccount_changelist")
    html = staff_client.get(changelist).content.decode()
    assert '<td class="field-protocol">OAuth 2.0</td>' in html
    filtered = staff_client.get(changelist, {"protocol__exact": "oauth2"}).content.decode()
    assert "o2bot" in filtered
    assert "linkedbot" not in filtered
    assert x2.ACCESS_TOKEN not in html


def test_the_change_page_never_decrypts_an_oauth2_token(staff_client, db, monkeypatch):
    account = make_oauth2()

    def refuse(ciphertext: str) -> str:
        raise AssertionError("a page decrypted a token")

    monkeypatch.setattr("botauth.fields.decrypt", refuse)
    assert staff_client.get(change_url(account)).status_code == 200


def test_both_protocols_configured_offer_the_other_one(staff_client, account, settings):
    settings.TWITTER_CLIENT_ID = x2.CLIENT_ID
    settings.TWITTER_CLIENT_SECRET = x2.CLIENT_SECRET
    response = staff_client.get(change_url(account))
    assertContains(
        response, '<button type="submit" id="botauth-link">Link with X</button>', html=True
    )
    assertContains(response, '<input type="hidden" name="protocol" value="oauth1">', html=True)
    assertContains(
        response,
        '<button type="submit" id="botauth-link-other">Link with OAuth 1.0a instead</button>',
        html=True,
    )


@pytest.mark.parametrize(
    ("client_id", "consumer_key"), [("", "test-consumer-key"), (x2.CLIENT_ID, "")]
)
def test_one_protocol_configured_offers_no_other(
    staff_client, account, settings, client_id, consumer_key
):
    settings.TWITTER_CLIENT_ID = client_id
    settings.TWITTER_CLIENT_SECRET = x2.CLIENT_SECRET if client_id else ""
    settings.TWITTER_CONSUMER_API_KEY = consumer_key
    response = staff_client.get(change_url(account))
    assertContains(response, 'id="botauth-link"')
    assertNotContains(response, "botauth-link-other")
    assertNotContains(response, 'name="protocol"')


def test_the_other_protocol_button_starts_that_protocol(staff_client, account, settings, x):
    settings.TWITTER_CLIENT_ID = x2.CLIENT_ID
    settings.TWITTER_CLIENT_SECRET = x2.CLIENT_SECRET
    xmock.request_token(x)
    response = staff_client.post(
        reverse("botauth:authenticate_twitter", args=[account.pk]), {"protocol": "oauth1"}
    )
    assert response["Location"].startswith("https://api.twitter.com/oauth/authorize?")
    account.refresh_from_db()
    assert account.link_protocol == BotAccount.Protocol.OAUTH1


# verify_bot_tokens


def test_an_oauth2_bot_is_verified_with_its_bearer_token(db, x):
    account = make_oauth2()
    x2.users_me(x)
    out, err, code = call("verify_bot_tokens", "o2bot")
    assert code == 0, err
    assert len(x.calls) == 1
    assert x.calls[0].request.headers["Authorization"] == f"Bearer o2bot-{x2.ACCESS_TOKEN}"
    assert out.splitlines()[1].split() == [
        "o2bot",
        "valid",
        "@TweepyDev",
        "oauth2",
        "until",
        "2031-05-06",
        "07:08",
        "UTC;",
        "scopes",
        *x2.POSTING_SCOPES.split(),
    ]
    assert x2.ACCESS_TOKEN not in out
    account.refresh_from_db()
    assert account.last_verification == BotAccount.Verification.VALID
    assert account.status == BotAccount.Status.LINKED


def test_an_expired_oauth2_token_is_reported_without_calling_x(db, x):
    account = make_oauth2(expires=timezone.now() - timedelta(seconds=1))
    out, err, code = call("verify_bot_tokens", "o2bot")
    assert code == 1
    assert len(x.calls) == 0
    assert "expired" in out.splitlines()[1]
    assert "access token expired; it needs a refresh" in out
    account.refresh_from_db()
    assert account.last_verification == BotAccount.Verification.EXPIRED
    assert account.last_verification_detail == "access token expired; it needs a refresh"
    assert account.status == BotAccount.Status.LINKED


def test_an_expired_oauth2_token_is_reported_in_german(db, x):
    account = make_oauth2(expires=datetime(2020, 1, 2, 3, 4, tzinfo=UTC))
    with translation.override("de"):
        out, err, code = call("verify_bot_tokens", "o2bot")
    assert code == 1
    assert len(x.calls) == 0
    row = " ".join(out.splitlines()[1].split())
    assert "oauth2 bis 2020-01-02 03:04 UTC; Scopes tweet.read" in row
    assert row.endswith("Zugriffstoken abgelaufen; es muss erneuert werden")
    account.refresh_from_db()
    assert account.last_verification == BotAccount.Verification.EXPIRED
    assert account.last_verification_detail == "Zugriffstoken abgelaufen; es muss erneuert werden"


def test_a_rejected_oauth2_token_is_reported_by_the_401_rule(db, x):
    account = make_oauth2()
    xmock.users_me_error(x, 401)
    out, err, code = call("verify_bot_tokens", "o2bot")
    assert code == 1
    assert x.calls[0].request.headers["Authorization"] == f"Bearer o2bot-{x2.ACCESS_TOKEN}"
    account.refresh_from_db()
    assert account.last_verification == BotAccount.Verification.INVALID
    # One 401 is not proof (botauth.health): the status waits for a confirming one.
    assert account.status == BotAccount.Status.LINKED
    assert account.unauthorized_since is not None


def test_json_output_carries_protocol_expiry_and_scopes(db, linked, x):
    make_oauth2(user_id="42")

    def me(request):
        header = request.headers["Authorization"]  # OAuth 1.0a's is bytes
        bearer = (header.decode() if isinstance(header, bytes) else header).startswith("Bearer ")
        user_id, username = ("42", x2.USERNAME) if bearer else (xmock.USER_ID, xmock.SCREEN_NAME)
        return 200, {}, json.dumps({"data": {"id": user_id, "name": "A", "username": username}})

    x.add_callback("GET", x2.USERS_ME_URL, callback=me)
    out, err, code = call("verify_bot_tokens", "--json")
    assert code == 0, err
    by_name = {item["name"]: item for item in json.loads(out)}
    assert (by_name["o2bot"]["protocol"], by_name["o2bot"]["scopes"]) == (
        "oauth2",
        x2.POSTING_SCOPES,
    )
    assert by_name["o2bot"]["token_expires_at"] == "2031-05-06T07:08:00+00:00"
    assert (by_name["linkedbot"]["protocol"], by_name["linkedbot"]["token_expires_at"]) == (
        "",
        None,
    )
    assert x2.ACCESS_TOKEN not in out
    assert x2.REFRESH_TOKEN not in out


def test_oauth2_bots_are_verified_without_consumer_keys(db, x, settings):
    settings.TWITTER_CONSUMER_API_KEY = ""
    make_oauth2()
    x2.users_me(x)
    out, err, code = call("verify_bot_tokens")
    assert code == 0, err


def test_oauth1_bots_still_need_consumer_keys(db, x, settings):
    settings.TWITTER_CONSUMER_API_KEY = ""
    make_oauth2()
    make_linked()
    out, err, code = call("verify_bot_tokens")
    assert code == 2
    assert "Set TWITTER_CONSUMER_API_KEY" in err
    assert len(x.calls) == 0


# reencrypt_bot_tokens


def test_reencrypt_covers_the_refresh_token(db, settings):
    account = make_oauth2()
    new_key = Fernet.generate_key().decode()
    settings.BOTAUTH_ENCRYPTION_KEYS = [new_key, *settings.BOTAUTH_ENCRYPTION_KEYS]
    out, err, code = call("reencrypt_bot_tokens")
    assert code == 0, err
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT twitter_refresh_token FROM botauth_botaccount WHERE id = %s", [account.pk]
        )
        stored = cursor.fetchone()[0]
    assert Fernet(new_key).decrypt(stored.encode()).decode() == f"o2bot-{x2.REFRESH_TOKEN}"
    settings.BOTAUTH_ENCRYPTION_KEYS = [new_key]
    account.refresh_from_db()
    assert account.twitter_refresh_token == f"o2bot-{x2.REFRESH_TOKEN}"
