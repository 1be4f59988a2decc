"""Linking with OAuth 2.0 (Authorization Code with PKCE) against X mocked in X's formats."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from botauth.models import BotAccount
from tests import spec, xmock
from tests import xmock_oauth2 as x2
from tests.helpers import make_linked
from tests.logs import assert_no_secret_logged, captured

CALLBACK = "/botauth/callback/"
CALLBACK_URL = "http://testserver/botauth/callback/"
TOKEN_FIELDS = ("twitter_access_token", "twitter_refresh_token", "twitter_oauth_token_secret")


@pytest.fixture(autouse=True)
def oauth2_app(settings):
    settings.TWITTER_CLIENT_ID = x2.CLIENT_ID
    settings.TWITTER_CLIENT_SECRET = x2.CLIENT_SECRET


def start(client: Client, account: BotAccount, **data: str):
    return client.post(reverse("botauth:authenticate_twitter", args=[account.pk]), data)


def started(client: Client, account: BotAccount) -> dict[str, str]:
    """Start an OAuth 2.0 link; the authorize URL's parameters, each once."""
    response = start(client, account)
    assert response.status_code == 302, response.content
    params = parse_qs(urlsplit(response["Location"]).query)
    assert all(len(v) == 1 for v in params.values()), params
    return {k: v[0] for k, v in params.items()}


def approve(client: Client, state: str, code: str = x2.CODE):
    return client.get(CALLBACK, {"state": state, "code": code})


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def raw(account: BotAccount, name: str) -> str:
    """A column as stored, not decrypted."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {name} FROM botauth_botaccount WHERE id = %s", [account.pk])
        return str(cursor.fetchone()[0] or "")


def assert_nothing_in_clear(account: BotAccount, *values: str) -> None:
    stored = " ".join(raw(account, name) for name in TOKEN_FIELDS)
    for value in values:
        assert value not in stored


def assert_untouched_pending(account: BotAccount, state: str) -> None:
    account.refresh_from_db()
    assert account.status == BotAccount.Status.PENDING
    assert account.twitter_oauth_token == state
    assert account.link_protocol == BotAccount.Protocol.OAUTH2
    assert account.twitter_access_token == ""
    assert account.twitter_refresh_token == ""
    assert account.protocol == ""


# Start


def test_start_sends_the_browser_to_x_consent_with_pkce_and_stores_the_flow(
    staff_client, staff, account, x
):
    response_url = start(staff_client, account)["Location"]
    assert response_url.startswith("https://x.com/i/oauth2/authorize?")
    assert "scope=tweet.read%20tweet.write%20users.read%20offline.access%20media.write" in (
        response_url
    )
    assert len(x.calls) == 0
    account.refresh_from_db()
    verifier = account.twitter_oauth_token_secret
    params = parse_qs(urlsplit(response_url).query)
    params = {k: v[0] for k, v in params.items()}
    assert params == {
        "response_type": "code",
        "client_id": x2.CLIENT_ID,
        "redirect_uri": CALLBACK_URL,
        "scope": x2.POSTING_SCOPES,
        "state": account.twitter_oauth_token,
        "code_challenge": base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        .decode()
        .rstrip("="),
        "code_challenge_method": "S256",
    }
    assert account.status == BotAccount.Status.PENDING
    assert account.link_protocol == BotAccount.Protocol.OAUTH2
    assert account.link_started_by == staff
    assert 43 <= len(verifier) <= 128
    assert set(verifier) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )
    assert 43 <= len(account.twitter_oauth_token) <= 500
    assert verifier not in raw(account, "twitter_oauth_token_secret")


def test_each_start_has_a_new_state_and_verifier(staff_client, account, x):
    first = started(staff_client, account)
    account.refresh_from_db()
    first_verifier = account.twitter_oauth_token_secret
    second = started(staff_client, account)
    account.refresh_from_db()
    assert first["state"] != second["state"]
    assert first["code_challenge"] != second["code_challenge"]
    assert account.twitter_oauth_token_secret != first_verifier
    assert account.twitter_oauth_token == second["state"]


def test_configured_scopes_are_asked_for(staff_client, account, x, settings):
    settings.BOTAUTH_OAUTH2_SCOPES = ["tweet.read", "users.read", "tweet.write", "offline.access"]
    assert started(staff_client, account)["scope"] == (
        "tweet.read users.read tweet.write offline.access"
    )


def test_oauth1_is_used_when_asked_for_although_a_client_id_is_set(staff_client, account, x):
    xmock.request_token(x)
    response = start(staff_client, account, protocol="oauth1")
    assert response["Location"].startswith("https://api.twitter.com/oauth/authorize?")
    account.refresh_from_db()
    assert account.link_protocol == BotAccount.Protocol.OAUTH1
    assert account.twitter_oauth_token == xmock.REQUEST_TOKEN


def test_oauth1_is_the_default_without_a_client_id(staff_client, account, x, settings):
    settings.TWITTER_CLIENT_ID = ""
    xmock.request_token(x)
    response = start(staff_client, account)
    assert response["Location"].startswith("https://api.twitter.com/oauth/authorize?")
    account.refresh_from_db()
    assert account.link_protocol == BotAccount.Protocol.OAUTH1


@pytest.mark.parametrize("protocol", ["oauth3", "OAUTH2", "<script>", "x" * 300])
def test_an_unknown_protocol_is_a_400_and_starts_nothing(staff_client, account, x, protocol):
    response = start(staff_client, account, protocol=protocol)
    assert response.status_code == 400
    body = response.content.decode()
    assert "use oauth1 (OAuth 1.0a) or oauth2 (OAuth 2.0). Nothing was started." in body
    assert "<script>" not in body
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert (account.status, account.twitter_oauth_token) == (BotAccount.Status.UNLINKED, "")


def test_oauth2_without_a_client_secret_names_the_setting_and_stores_nothing(
    staff_client, account, x, settings
):
    settings.TWITTER_CLIENT_SECRET = ""
    response = start(staff_client, account, protocol="oauth2")
    assert response.status_code == 302
    assert "Set TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET" in messages_of(response)[0]
    account.refresh_from_db()
    assert (account.status, account.twitter_oauth_token) == (BotAccount.Status.UNLINKED, "")


def test_start_needs_the_change_permission(account, x, db):
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    client = Client()
    client.force_login(user)
    assert start(client, account, protocol="oauth2").status_code == 403
    account.refresh_from_db()
    assert account.twitter_oauth_token == ""


# Success


def test_success_exchanges_once_reads_the_identity_and_stores_everything_encrypted(
    staff_client, staff, account, x
):
    state = started(staff_client, account)["state"]
    account.refresh_from_db()
    verifier = account.twitter_oauth_token_secret
    x2.token(x)
    spec.validate("GetUsersMeResponse", x2.users_me(x))
    before = timezone.now()
    response = approve(staff_client, state)
    after = timezone.now()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:botauth_botaccount_change", args=[account.pk])
    assert messages_of(response) == ["Linked @TweepyDev"]
    assert [c.request.url for c in x.calls] == [x2.TOKEN_URL, x2.USERS_ME_URL]
    exchange, me = x.calls
    assert exchange.request.headers["Authorization"] == x2.basic()
    assert exchange.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert x2.form(exchange) == {
        "grant_type": "authorization_code",
        "code": x2.CODE,
        "redirect_uri": CALLBACK_URL,
        "code_verifier": verifier,
    }
    assert me.request.headers["Authorization"] == f"Bearer {x2.ACCESS_TOKEN}"
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.protocol == BotAccount.Protocol.OAUTH2
    assert account.twitter_access_token == x2.ACCESS_TOKEN
    assert account.twitter_access_token_secret == ""
    assert account.twitter_refresh_token == x2.REFRESH_TOKEN
    assert account.scopes == x2.POSTING_SCOPES
    # Counted from before the exchange was sent: never later than X's own clock.
    assert before + timedelta(seconds=7200) <= account.token_expires_at
    assert account.token_expires_at <= after + timedelta(seconds=7200)
    assert (account.twitter_user_id, account.twitter_username) == (x2.USER_ID, x2.USERNAME)
    assert account.linked_by == staff
    assert (account.twitter_oauth_token, account.twitter_oauth_token_secret) == ("", "")
    assert (account.link_protocol, account.link_started_by, account.link_started_at) == (
        "",
        None,
        None,
    )
    assert account.can_write
    assert_nothing_in_clear(account, x2.ACCESS_TOKEN, x2.REFRESH_TOKEN, verifier)


def test_a_callback_delivered_twice_exchanges_once(staff_client, account, x):
    state = started(staff_client, account)["state"]
    x2.token(x)
    x2.users_me(x)
    assert approve(staff_client, state).status_code == 302
    again = approve(staff_client, state)
    assert again.status_code == 400
    assert "does not match a link you started" in again.content.decode()
    assert len(x.calls) == 2
    account.refresh_from_db()
    assert account.twitter_access_token == x2.ACCESS_TOKEN


def test_a_bot_moves_from_oauth1_to_oauth2_by_relinking_as_the_same_x_user(staff_client, x, db):
    account = make_linked("mover", user_id=x2.USER_ID, username=x2.USERNAME)
    account.protocol = BotAccount.Protocol.OAUTH1
    account.save()
    state = started(staff_client, account)["state"]
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED  # the old pair works until the new one
    x2.token(x)
    x2.users_me(x)
    assert approve(staff_client, state).status_code == 302
    account.refresh_from_db()
    assert account.protocol == BotAccount.Protocol.OAUTH2
    assert account.twitter_access_token == x2.ACCESS_TOKEN
    assert account.twitter_access_token_secret == ""
    assert account.twitter_refresh_token == x2.REFRESH_TOKEN


def test_scopes_x_did_not_grant_are_warned_about(staff_client, account, x):
    state = started(staff_client, account)["state"]
    x2.token(x, scope="users.read tweet.read", refresh_token=None)
    x2.users_me(x)
    response = approve(staff_client, state)
    assert response.status_code == 302
    assert messages_of(response) == [
        "Linked @TweepyDev",
        "X granted @TweepyDev only users.read tweet.read: without tweet.write it cannot post; "
        "without media.write it cannot upload media; without offline.access it cannot refresh "
        "its token, so it stops working 2 hours after linking. Add the missing scopes to "
        "BOTAUTH_OAUTH2_SCOPES (and the app's permissions in the developer portal), then "
        "re-link.",
    ]
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert (account.scopes, account.twitter_refresh_token) == ("users.read tweet.read", "")
    assert not account.can_write


# Cancelled, unknown, replayed, foreign, expired, malformed: no call to X, nothing changed


def test_cancel_on_x_clears_the_flow_without_calling_x(staff_client, account, x):
    state = started(staff_client, account)["state"]
    response = staff_client.get(CALLBACK, {"error": "access_denied", "state": state})
    assert response.status_code == 302
    assert messages_of(response) == ["Authorization was cancelled on X; “newsbot” was not linked."]
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert (account.twitter_oauth_token, account.twitter_oauth_token_secret) == ("", "")
    assert account.link_protocol == ""


def test_cancel_on_relink_keeps_the_stored_token(staff_client, x, db):
    account = make_linked("keeper")
    state = started(staff_client, account)["state"]
    response = staff_client.get(CALLBACK, {"error": "access_denied", "state": state})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == f"{xmock.USER_ID}-accesstokenkeeper"
    assert account.twitter_oauth_token == ""


def test_cancel_with_an_unknown_state_changes_nothing(staff_client, account, x):
    state = started(staff_client, account)["state"]
    response = staff_client.get(CALLBACK, {"error": "access_denied", "state": "not" + state})
    assert response.status_code == 400
    assert_untouched_pending(account, state)


def test_an_unknown_state_is_refused_without_calling_x(staff_client, account, x):
    state = started(staff_client, account)["state"]
    response = approve(staff_client, state[:-1] + ("A" if state[-1] != "A" else "B"))
    assert response.status_code == 400
    assert "does not match a link you started" in response.content.decode()
    assert len(x.calls) == 0
    assert_untouched_pending(account, state)


def test_a_flow_started_by_another_user_is_refused(staff_client, account, x, db):
    state = started(staff_client, account)["state"]
    other = Client()
    other.force_login(User.objects.create_superuser("other", password="pw"))
    response = approve(other, state)
    assert response.status_code == 400
    assert len(x.calls) == 0
    assert_untouched_pending(account, state)


def test_an_expired_flow_is_refused_and_cleared_without_calling_x(staff_client, account, x):
    state = started(staff_client, account)["state"]
    BotAccount.objects.filter(pk=account.pk).update(
        link_started_at=timezone.now() - timedelta(minutes=16)
    )
    response = approve(staff_client, state)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.twitter_oauth_token == ""
    assert account.twitter_oauth_token_secret == ""
    assert account.status == BotAccount.Status.UNLINKED


def test_the_expiry_follows_botauth_pending_ttl(staff_client, account, x, settings):
    settings.BOTAUTH_PENDING_TTL = 60
    state = started(staff_client, account)["state"]
    BotAccount.objects.filter(pk=account.pk).update(
        link_started_at=timezone.now() - timedelta(seconds=61)
    )
    assert approve(staff_client, state).status_code == 410
    assert len(x.calls) == 0


def test_an_anonymous_callback_goes_to_login_and_changes_nothing(staff_client, account, x):
    state = started(staff_client, account)["state"]
    response = approve(Client(), state)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/botauth/callback/")
    assert len(x.calls) == 0
    assert_untouched_pending(account, state)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"code": x2.CODE}, "X&#x27;s answer is missing state."),
        ({"state": "{state}"}, "X&#x27;s answer is missing code."),
        ({"error": "access_denied"}, "X&#x27;s answer is missing state."),
        ({"state": "{state}", "code": "bad code!"}, "malformed code"),
        ({"state": "{state}", "code": "c" * 3000}, "malformed code"),
        ({"state": "bad state!", "code": x2.CODE}, "malformed state"),
        ({"state": "s" * 501, "code": x2.CODE}, "malformed state"),
        ({"state": "", "code": x2.CODE}, "malformed state"),
        ({"state": "{state}", "error": "<script>"}, "malformed error"),
        (
            {"state": "{state}", "error": "invalid_scope"},
            "X did not authorize the link (invalid_scope).",
        ),
        (
            {"state": "{state}", "code": x2.CODE, "oauth_verifier": xmock.VERIFIER},
            "mixes OAuth 1.0a and OAuth 2.0 parameters",
        ),
    ],
)
def test_malformed_callbacks_get_a_400_page_and_change_nothing(
    staff_client, account, x, query, message
):
    state = started(staff_client, account)["state"]
    response = staff_client.get(CALLBACK, {k: v.format(state=state) for k, v in query.items()})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert len(x.calls) == 0
    assert_untouched_pending(account, state)


@pytest.mark.parametrize("name", ["state", "code"])
def test_a_repeated_parameter_is_refused(staff_client, account, x, name):
    state = started(staff_client, account)["state"]
    extra = state if name == "state" else x2.CODE
    response = staff_client.get(f"{CALLBACK}?state={state}&code={x2.CODE}&{name}={extra}")
    assert response.status_code == 400
    assert f"{name} more than once" in response.content.decode()
    assert len(x.calls) == 0
    assert_untouched_pending(account, state)


def test_an_oauth1_flow_cannot_be_finished_by_an_oauth2_callback(staff_client, account, x):
    xmock.request_token(x)
    start(staff_client, account, protocol="oauth1")
    response = staff_client.get(CALLBACK, {"state": xmock.REQUEST_TOKEN, "code": x2.CODE})
    assert response.status_code == 400
    assert len(x.calls) == 1
    account.refresh_from_db()
    assert account.twitter_oauth_token == xmock.REQUEST_TOKEN
    assert account.link_protocol == BotAccount.Protocol.OAUTH1


def test_an_oauth2_flow_cannot_be_finished_by_an_oauth1_callback(staff_client, account, x):
    state = started(staff_client, account)["state"]
    response = staff_client.get(CALLBACK, {"oauth_token": state, "oauth_verifier": x2.CODE})
    assert response.status_code == 400
    assert len(x.calls) == 0
    assert_untouched_pending(account, state)


# X refusing or failing: nothing stored, the flow kept for a retry


def test_x_refusing_the_code_is_a_400_and_stores_nothing(staff_client, account, x):
    state = started(staff_client, account)["state"]
    x2.token(x, body=x2.INVALID_CODE, status=400)
    response = approve(staff_client, state)
    assert response.status_code == 400
    assert (
        "X refused the request (400) while exchanging the authorization code for a token: "
        "invalid_request: Value passed for the authorization code was invalid."
    ) in response.content.decode()
    assert len(x.calls) == 1
    assert_untouched_pending(account, state)


def test_wrong_client_credentials_name_the_settings(staff_client, account, x):
    state = started(staff_client, account)["state"]
    x2.token(x, body=x2.MISSING_AUTHORIZATION, status=401)
    response = approve(staff_client, state)
    assert response.status_code == 400
    body = response.content.decode()
    assert "unauthorized_client: Missing valid authorization header" in body
    assert "Check TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET" in body
    assert x2.CLIENT_SECRET not in body
    assert_untouched_pending(account, state)


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "body": "Service Unavailable"},
        {"body": requests.ConnectTimeout("slow")},
        {"body": requests.ConnectionError("down")},
    ],
)
def test_x_unavailable_keeps_the_flow_for_a_retry(staff_client, account, x, failure):
    state = started(staff_client, account)["state"]
    x.post(x2.TOKEN_URL, **failure)
    response = approve(staff_client, state)
    assert response.status_code == 502
    assert "Try again" in response.content.decode()
    assert_untouched_pending(account, state)
    x.replace("POST", x2.TOKEN_URL, json=x2.token_answer())
    x2.users_me(x)
    assert approve(staff_client, state).status_code == 302
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"token_type": "mac"}, "a token_type other than bearer"),
        ({"token_type": None}, "a token_type other than bearer"),
        ({"access_token": None}, "no valid access_token"),
        ({"access_token": ""}, "no valid access_token"),
        ({"access_token": "has space"}, "no valid access_token"),
        ({"access_token": ["list"]}, "no valid access_token"),
        ({"expires_in": "7200"}, "no valid expires_in"),
        ({"expires_in": True}, "no valid expires_in"),
        ({"expires_in": 7200.5}, "no valid expires_in"),
        ({"expires_in": None}, "no valid expires_in"),
        ({"expires_in": 0}, "expires_in 0"),
        ({"expires_in": 10**12}, "expires_in 1000000000000"),
        ({"scope": None}, "no valid scope"),
        ({"scope": ""}, "no valid scope"),
        ({"scope": "tweet.read <script>"}, "a malformed scope"),
        ({"scope": " ".join(["tweet.read"] + [f"x.s{i}" for i in range(200)])}, "no valid scope"),
        ({"refresh_token": 12345}, "a malformed refresh_token"),
        ({"refresh_token": "bad token"}, "a malformed refresh_token"),
        ({"refresh_token": None}, "offline.access but no refresh_token"),
    ],
)
def test_a_hostile_token_answer_stores_nothing(staff_client, account, x, changes, problem):
    state = started(staff_client, account)["state"]
    x2.token(x, **changes)
    response = approve(staff_client, state)
    assert response.status_code == 400
    assert f"X sent a token answer with {problem}" in response.content.decode()
    assert len(x.calls) == 1
    assert_untouched_pending(account, state)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<html>hello</html>", "not JSON"),
        (json.dumps([x2.token_answer()]), "not a JSON object"),
        (json.dumps({**x2.token_answer(), "padding": "x" * 20000}), "more than 16384 bytes"),
    ],
)
def test_a_token_answer_that_is_not_a_token_stores_nothing(staff_client, account, x, body, problem):
    state = started(staff_client, account)["state"]
    x.post(x2.TOKEN_URL, body=body, content_type="application/json")
    response = approve(staff_client, state)
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert_untouched_pending(account, state)


@pytest.mark.parametrize(
    ("user_id", "username", "problem"),
    [
        ("12ab", x2.USERNAME, "no valid user id"),
        (1072250532645998596, x2.USERNAME, "no valid user id"),
        ("1" * 20, x2.USERNAME, "no valid user id"),
        (None, x2.USERNAME, "no valid user id"),
        (x2.USER_ID, "a" * 16, "no valid username"),
        (x2.USER_ID, "bad name", "no valid username"),
        (x2.USER_ID, "<b>x</b>", "no valid username"),
        (x2.USER_ID, None, "no valid username"),
    ],
)
def test_a_hostile_identity_stores_nothing(staff_client, account, x, user_id, username, problem):
    state = started(staff_client, account)["state"]
    x2.token(x)
    x2.users_me(x, user_id=user_id, username=username)
    response = approve(staff_client, state)
    assert response.status_code == 400
    assert f"X sent {problem} while reading who the new token belongs to" in (
        response.content.decode()
    )
    assert len(x.calls) == 2
    assert_untouched_pending(account, state)
    assert_nothing_in_clear(account, x2.ACCESS_TOKEN, x2.REFRESH_TOKEN)


def test_users_me_refusing_the_new_token_stores_nothing(staff_client, account, x):
    state = started(staff_client, account)["state"]
    x2.token(x)
    spec.validate_problem(xmock.UNAUTHORIZED)
    xmock.users_me_error(x, 401)
    response = approve(staff_client, state)
    assert response.status_code == 400
    assert (
        "X refused the request (401) while reading who the new token belongs to "
        "(GET /2/users/me): Unauthorized"
    ) in response.content.decode()
    assert_untouched_pending(account, state)


def test_x_refusing_the_new_token_is_explained_in_german(staff_client, account, x):
    state = started(staff_client, account)["state"]
    x2.token(x)
    xmock.users_me_error(x, 401)
    # LocaleMiddleware leaves the request's language active: override() restores this one's.
    with translation.override("en"):
        response = staff_client.get(
            CALLBACK, {"state": state, "code": x2.CODE}, HTTP_ACCEPT_LANGUAGE="de"
        )
    assert response.status_code == 400
    assert (
        "X hat die Anfrage beim Abfragen des Kontos zum neuen Token (GET /2/users/me) abgelehnt "
        "(401): Unauthorized. Es wurde nichts geändert."
    ) in response.content.decode()
    assert_untouched_pending(account, state)


def test_users_me_without_data_stores_nothing(staff_client, account, x):
    state = started(staff_client, account)["state"]
    x2.token(x)
    x.get(x2.USERS_ME_URL, json={"errors": [{"message": "nope"}]})
    assert approve(staff_client, state).status_code == 400
    assert_untouched_pending(account, state)


# Identity rules


def test_an_x_account_linked_to_another_bot_is_refused(staff_client, account, x):
    other = make_linked("firstbot", user_id=x2.USER_ID, username=x2.USERNAME)
    state = started(staff_client, account)["state"]
    x2.token(x)
    x2.users_me(x)
    response = approve(staff_client, state)
    assert response.status_code == 409
    assert "X account @TweepyDev is already linked to bot account “firstbot”" in (
        response.content.decode()
    )
    account.refresh_from_db()
    assert (account.twitter_access_token, account.twitter_refresh_token) == ("", "")
    assert (account.twitter_oauth_token, account.protocol) == ("", "")
    other.refresh_from_db()
    assert other.twitter_access_token == f"{x2.USER_ID}-accesstokenfirstbot"


def test_relinking_to_a_different_x_user_is_refused(staff_client, x, db):
    account = make_linked("loyal", user_id="111", username="oldhandle")
    state = started(staff_client, account)["state"]
    x2.token(x)
    x2.users_me(x)
    response = approve(staff_client, state)
    assert response.status_code == 409
    assert "“loyal” is linked to @oldhandle, but X approved @TweepyDev" in (
        response.content.decode()
    )
    account.refresh_from_db()
    assert account.twitter_access_token == "111-accesstokenloyal"
    assert (account.twitter_refresh_token, account.status) == ("", BotAccount.Status.LINKED)


# Unlink


def linked_oauth2(name: str = "o2bot", *, refresh_token: str = x2.REFRESH_TOKEN) -> BotAccount:
    return BotAccount.objects.create(
        name=name,
        status=BotAccount.Status.LINKED,
        protocol=BotAccount.Protocol.OAUTH2,
        twitter_access_token=x2.ACCESS_TOKEN,
        twitter_refresh_token=refresh_token,
        token_expires_at=timezone.now() + timedelta(hours=2),
        scopes=x2.POSTING_SCOPES,
        twitter_user_id=x2.USER_ID,
        twitter_username=x2.USERNAME,
    )


def unlink(client: Client, account: BotAccount):
    return client.post(reverse("admin:botauth_botaccount_unlink", args=[account.pk]))


def assert_forgotten(account: BotAccount) -> None:
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert (account.twitter_access_token, account.twitter_refresh_token) == ("", "")
    assert (account.token_expires_at, account.scopes, account.protocol) == (None, "", "")
    assert (account.twitter_user_id, account.twitter_username) == ("", "")


def test_unlink_revokes_both_tokens_at_x(staff_client, x, db):
    account = linked_oauth2()
    x2.revoke(x)
    response = unlink(staff_client, account)
    assert messages_of(response) == ["Unlinked “o2bot”; X revoked its token."]
    assert [c.request.url for c in x.calls] == [x2.REVOKE_URL, x2.REVOKE_URL]
    assert [x2.form(c) for c in x.calls] == [
        {"token": x2.REFRESH_TOKEN, "token_type_hint": "refresh_token"},
        {"token": x2.ACCESS_TOKEN, "token_type_hint": "access_token"},
    ]
    assert all(c.request.headers["Authorization"] == x2.basic() for c in x.calls)
    assert_forgotten(account)


def test_unlink_without_a_refresh_token_revokes_the_access_token(staff_client, x, db):
    account = linked_oauth2(refresh_token="")
    x2.revoke(x)
    response = unlink(staff_client, account)
    assert messages_of(response) == ["Unlinked “o2bot”; X revoked its token."]
    assert [x2.form(c)["token_type_hint"] for c in x.calls] == ["access_token"]
    assert_forgotten(account)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"status": 503, "body": "busy"}, "X did not answer"),
        ({"body": requests.ConnectionError("down")}, "X did not answer"),
        ({"status": 400, "json": x2.INVALID_TOKEN}, "X refused: 400"),
        ({"status": 401, "json": x2.MISSING_AUTHORIZATION}, "X refused: 401"),
        ({"status": 200, "json": {"revoked": False}}, "X refused: 200"),
    ],
)
def test_unlink_says_so_when_x_cannot_confirm(staff_client, x, db, answer, reason):
    account = linked_oauth2()
    x.post(x2.REVOKE_URL, **answer)
    response = unlink(staff_client, account)
    assert messages_of(response) == [
        f"Unlinked “o2bot” and forgot its token, but X did not confirm the revocation ({reason}). "
        "Revoke the app in the bot's X settings (Security and account access > Apps and "
        "sessions)."
    ]
    assert_forgotten(account)


# What a link costs, and what it leaves in the logs


def test_a_link_makes_two_calls_to_x_and_few_queries(staff_client, account, x):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as start_queries:
        state = started(staff_client, account)["state"]
    x2.token(x)
    x2.users_me(x)
    with CaptureQueriesContext(connection) as callback_queries:
        assert approve(staff_client, state).status_code == 302
    assert [c.request.url for c in x.calls] == [x2.TOKEN_URL, x2.USERS_ME_URL]
    # The same budget as an OAuth 1.0a link (tests/test_link_budget.py).
    assert len(start_queries) <= 10, [q["sql"] for q in start_queries.captured_queries]
    assert len(callback_queries) <= 14, [q["sql"] for q in callback_queries.captured_queries]
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED


def test_a_link_verify_and_unlink_at_debug_log_no_secret(staff_client, account, x):
    from django.core.management import call_command

    with captured() as records:
        state = started(staff_client, account)["state"]
        account.refresh_from_db()
        verifier = account.twitter_oauth_token_secret
        x2.token(x)
        x2.users_me(x)
        x2.users_me(x)
        x2.revoke(x)
        approve(staff_client, state)
        call_command("verify_bot_tokens", stdout=open("/dev/null", "w"))  # noqa: SIM115
        unlink(staff_client, account)
    assert len(x.calls) == 5
    assert_forgotten(account)
    # Linked and unlinked at INFO like an OAuth 1.0a bot: its name and handle, never a token.
    assert [r.getMessage() for r in records if r.name == "botauth" and r.levelname == "INFO"] == [
        f"Linked bot account 'newsbot' to X account @{x2.USERNAME} (user id {x2.USER_ID}, "
        f"OAuth 2.0, scopes {x2.POSTING_SCOPES}).",
        "Verified bot accounts with X: 1 valid; X calls: 1.",
        f"Unlinked bot account 'newsbot' (@{x2.USERNAME}); X revoked its token.",
    ]
    assert_no_secret_logged(
        records,
        [
            x2.ACCESS_TOKEN,
            x2.REFRESH_TOKEN,
            x2.CODE,
            verifier,
            x2.CLIENT_SECRET,
            x2.basic().split()[1],
        ],
    )
