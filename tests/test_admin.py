from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from botauth.models import SECRET_FIELDS, BotAccount
from tests import xmock
from tests.helpers import change_url, make_linked, messages_of

CHANGELIST = reverse("admin:botauth_botaccount_changelist")
ACCESS_TOKEN = f"{xmock.USER_ID}-accesstokenlinkedbot"
ACCESS_SECRET = "accesssecretlinkedbot"
INVALIDATE_FALLBACK_URL = f"{xmock.API}/oauth/invalidate_token"


def verify_url(account: BotAccount) -> str:
    return reverse("admin:botauth_botaccount_verify", args=[account.pk])


def unlink_url(account: BotAccount) -> str:
    return reverse("admin:botauth_botaccount_unlink", args=[account.pk])


def names_listed(response) -> list[str]:
    return [account.name for account in response.context["cl"].result_list]


def assert_still_linked(account: BotAccount) -> None:
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == ACCESS_TOKEN
    assert account.twitter_access_token_secret == ACCESS_SECRET
    assert account.twitter_username == xmock.SCREEN_NAME
    assert account.last_verified_at is None


pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture
def viewer_client(db) -> Client:
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_botaccount"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def secretive(db) -> BotAccount:
    """A linked account re-linking: every secret field holds a value."""
    account = make_linked("secretive", user_id="1111", username="secretbot")
    account.twitter_oauth_token = "requesttokenvisibleonlyinurls"
    account.twitter_oauth_token_secret = "requestsecretneveronapage"
    account.save()
    return account


# The changelist


def test_changelist_shows_the_account_columns(staff_client, linked):
    linked.access_level = "read-write"
    linked.linked_at = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    linked.last_verified_at = dt.datetime(2024, 5, 2, 13, 30, tzinfo=dt.UTC)
    linked.save()
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    headers = ["Name", "X handle", "Status", "Last check", "Access level", "Linked at"]
    for header in [*headers, "Last verified at"]:
        assertContains(response, f">{header}</a>")
    assertContains(response, '<td class="field-handle">@twitterapi</td>', html=True)
    assertContains(
        response,
        '<td class="field-status_badge"><span style="color:#fff;background:#2e7d32;'
        'padding:1px 6px;border-radius:8px">Linked</span></td>',
        html=True,
    )
    assertContains(response, '<td class="field-access">Read and write</td>', html=True)
    assertContains(response, '<td class="field-last_check">Not checked yet</td>', html=True)
    assertContains(response, "May 1, 2024, noon")
    assertContains(response, "May 2, 2024, 1:30 p.m.")
    assert names_listed(response) == ["linkedbot"]


def test_changelist_shows_a_dash_for_an_account_without_handle(staff_client, account):
    response = staff_client.get(CHANGELIST)
    assertContains(response, '<td class="field-handle">—</td>', html=True)
    assertContains(response, "background:#616161")
    assertContains(response, ">Unlinked</span>")
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED


def test_changelist_filters_by_status(staff_client, linked, account):
    BotAccount.objects.filter(pk=linked.pk).update(status=BotAccount.Status.INVALID)
    response = staff_client.get(CHANGELIST, {"status__exact": "invalid"})
    assert response.status_code == 200
    assert names_listed(response) == ["linkedbot"]
    assertContains(response, ">Invalid</span>")
    assertNotContains(response, ">newsbot<")


def test_changelist_filters_by_last_verification(staff_client, linked, account):
    BotAccount.objects.filter(pk=linked.pk).update(last_verification="rate_limited")
    response = staff_client.get(CHANGELIST, {"last_verification__exact": "rate_limited"})
    assert names_listed(response) == ["linkedbot"]


def test_changelist_searches_names(staff_client, linked, account):
    response = staff_client.get(CHANGELIST, {"q": "news"})
    assert names_listed(response) == ["newsbot"]


def test_changelist_searches_handles(staff_client, linked, account):
    response = staff_client.get(CHANGELIST, {"q": "twitterAPI"})
    assert names_listed(response) == ["linkedbot"]


def test_changelist_searches_handles_as_shown_with_at_sign(staff_client, linked, account):
    response = staff_client.get(CHANGELIST, {"q": "@twitterapi"})
    assert names_listed(response) == ["linkedbot"]


def test_changelist_search_without_match_lists_nothing(staff_client, linked):
    response = staff_client.get(CHANGELIST, {"q": "nobody"})
    assert names_listed(response) == []
    assertContains(response, "0 bot accounts")


# No secret on any page


def test_no_token_or_secret_on_the_changelist(staff_client, secretive):
    response = staff_client.get(CHANGELIST)
    html = response.content.decode()
    assert "secretive" in html
    for secret in [
        "1111-accesstokensecretive",
        "accesssecretsecretive",
        "requesttokenvisibleonlyinurls",
        "requestsecretneveronapage",
    ]:
        assert secret not in html
    assert "gAAAAA" not in html  # Fernet ciphertext


def test_no_token_or_secret_on_the_change_page(staff_client, secretive):
    response = staff_client.get(change_url(secretive))
    html = response.content.decode()
    assert response.status_code == 200
    assert "secretbot" in html
    for secret in [
        "1111-accesstokensecretive",
        "accesssecretsecretive",
        "requesttokenvisibleonlyinurls",
        "requestsecretneveronapage",
    ]:
        assert secret not in html
    assert "gAAAAA" not in html
    secretive.refresh_from_db()
    assert secretive.twitter_access_token == "1111-accesstokensecretive"


def test_pages_never_decrypt_a_token(staff_client, secretive, monkeypatch):
    def refuse(ciphertext: str) -> str:
        raise AssertionError("a page decrypted a token")

    monkeypatch.setattr("botauth.fields.decrypt", refuse)
    assert staff_client.get(CHANGELIST).status_code == 200
    assert staff_client.get(change_url(secretive)).status_code == 200
    assert staff_client.get(unlink_url(secretive)).status_code == 200


def test_saving_the_change_form_keeps_the_tokens(staff_client, linked):
    response = staff_client.post(change_url(linked), {"name": "renamedbot"})
    assert response.status_code == 302
    linked.refresh_from_db()
    assert linked.name == "renamedbot"
    assert linked.twitter_access_token == ACCESS_TOKEN
    assert linked.twitter_access_token_secret == ACCESS_SECRET


# Buttons on the change page


def test_unlinked_account_has_a_link_with_x_button(staff_client, account):
    response = staff_client.get(change_url(account))
    action = reverse("botauth:authenticate_twitter", args=[account.pk])
    assertContains(response, f'<form method="post" action="{action}">')
    assertContains(
        response, '<button type="submit" id="botauth-link">Link with X</button>', html=True
    )
    assertNotContains(response, "botauth-verify")
    assertNotContains(response, "botauth-unlink")
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED


def test_linked_account_has_relink_verify_and_unlink(staff_client, linked):
    response = staff_client.get(change_url(linked))
    link = reverse("botauth:authenticate_twitter", args=[linked.pk])
    assertContains(response, f'<form method="post" action="{link}">')
    assertContains(
        response, '<button type="submit" id="botauth-link">Re-link with X</button>', html=True
    )
    assertContains(response, f'<form method="post" action="{verify_url(linked)}">')
    assertContains(
        response, '<button type="submit" id="botauth-verify">Verify now</button>', html=True
    )
    assertContains(
        response, f'<a href="{unlink_url(linked)}" id="botauth-unlink">Unlink</a>', html=True
    )
    assert_still_linked(linked)


def test_user_without_change_permission_sees_no_buttons(viewer_client, linked):
    response = viewer_client.get(change_url(linked))
    assert response.status_code == 200
    assertNotContains(response, "botauth-link")
    assertNotContains(response, "botauth-verify")
    assertNotContains(response, "botauth-unlink")
    assert_still_linked(linked)


# Verify now


def test_verify_now_records_a_valid_token(staff_client, linked, x):
    xmock.users_me(x, access_level="read-write-directmessages")
    response = staff_client.post(verify_url(linked))
    assert response.status_code == 302
    assert response["Location"] == change_url(linked)
    assert messages_of(response) == ["Verified with X: 1 valid."]
    assert len(x.calls) == 1
    assert f'oauth_token="{ACCESS_TOKEN}"' in x.calls[0].request.headers["Authorization"].decode()
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_verification == BotAccount.Verification.VALID
    assert linked.last_verified_at is not None
    assert linked.access_level == "read-write-directmessages"


def test_verify_now_records_a_rejected_token_with_a_warning(staff_client, linked, x):
    xmock.users_me_error(x, 401)
    response = staff_client.post(verify_url(linked), follow=True)
    shown = [(str(m), m.tags) for m in response.context["messages"]]
    assert shown[0] == ("Verified with X: 1 invalid (401).", "warning")
    assert shown[1][0].startswith("“linkedbot”: X rejected the token: Unauthorized; first 401")
    assert len(shown) == 2
    assert len(x.calls) == 1
    linked.refresh_from_db()
    # One 401 is not proof (botauth.health): the account stays linked until X confirms it.
    assert linked.status == BotAccount.Status.LINKED
    assert linked.unauthorized_since == linked.last_verified_at
    assert linked.last_verification == BotAccount.Verification.INVALID
    assert linked.last_verification_detail.startswith(
        "X rejected the token: Unauthorized; first 401, invalid if still so after "
    )
    assert linked.twitter_access_token == ACCESS_TOKEN


def test_verify_now_on_an_unlinked_account_does_not_call_x(staff_client, account, x):
    response = staff_client.post(verify_url(account))
    assert response.status_code == 302
    assert messages_of(response) == ["“newsbot” is not linked; link it with X first."]
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.last_verified_at is None


def test_verify_now_reports_missing_settings(staff_client, linked, x, settings):
    settings.TWITTER_CONSUMER_API_KEY = ""
    response = staff_client.post(verify_url(linked))
    assert response.status_code == 302
    assert messages_of(response) == [
        "Set TWITTER_CONSUMER_API_KEY and TWITTER_CONSUMER_API_KEY_SECRET to your X app's API "
        "key and secret (developer portal > your app > Keys and tokens)."
    ]
    assert len(x.calls) == 0
    assert_still_linked(linked)


def test_verify_now_get_is_not_allowed(staff_client, linked, x):
    response = staff_client.get(verify_url(linked))
    assert response.status_code == 405
    assert len(x.calls) == 0
    assert_still_linked(linked)


def test_verify_now_unknown_account_is_404(staff_client, x, db):
    response = staff_client.post(reverse("admin:botauth_botaccount_verify", args=[999]))
    assert response.status_code == 404
    assert len(x.calls) == 0


def test_verify_now_without_change_permission_is_forbidden(viewer_client, linked, x):
    response = viewer_client.post(verify_url(linked))
    assert response.status_code == 403
    assert len(x.calls) == 0
    assert_still_linked(linked)


def test_verify_now_needs_a_staff_login(client, linked, x):
    response = client.post(verify_url(linked))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert len(x.calls) == 0
    assert_still_linked(linked)


# Unlink


def test_unlink_get_asks_for_confirmation_and_changes_nothing(staff_client, linked, x):
    response = staff_client.get(unlink_url(linked))
    assert response.status_code == 200
    assertContains(response, "<h1>Unlink “linkedbot” from X</h1>", html=True)
    assertContains(
        response,
        '<input type="submit" class="default" value="Unlink @twitterapi" '
        'id="botauth-unlink-confirm">',
        html=True,
    )
    assertContains(
        response,
        f'<a href="{change_url(linked)}" class="closelink" id="botauth-unlink-keep">'
        "Keep it linked</a>",
        html=True,
    )
    # Not Django's delete confirmation: it says what stays.
    assertContains(response, "this is not a deletion")
    assertNotContains(response, "Are you sure")
    assertNotContains(response, "cancel-link")
    assert len(x.calls) == 0
    assert_still_linked(linked)


def test_unlink_revokes_at_x_then_forgets_token_and_identity(staff_client, linked, x):
    x.post(xmock.INVALIDATE_URL, json={"access_token": ACCESS_TOKEN})
    response = staff_client.post(unlink_url(linked))
    assert response.status_code == 302
    assert response["Location"] == change_url(linked)
    assert messages_of(response) == ["Unlinked “linkedbot”; X revoked its token."]
    assert len(x.calls) == 1
    assert x.calls[0].request.url == xmock.INVALIDATE_URL
    assert f'oauth_token="{ACCESS_TOKEN}"' in x.calls[0].request.headers["Authorization"].decode()
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.UNLINKED
    assert (linked.twitter_access_token, linked.twitter_access_token_secret) == ("", "")
    assert (linked.twitter_user_id, linked.twitter_username) == ("", "")


def test_unlink_falls_back_to_the_other_invalidate_path_on_404(staff_client, linked, x):
    x.post(
        xmock.INVALIDATE_URL, json={"errors": [{"code": 34, "message": "Not found"}]}, status=404
    )
    x.post(INVALIDATE_FALLBACK_URL, json={"access_token": ACCESS_TOKEN})
    response = staff_client.post(unlink_url(linked))
    assert messages_of(response) == ["Unlinked “linkedbot”; X revoked its token."]
    assert [call.request.url for call in x.calls] == [xmock.INVALIDATE_URL, INVALIDATE_FALLBACK_URL]
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.UNLINKED
    assert linked.twitter_access_token == ""


def test_unlink_when_x_cannot_be_reached_still_forgets_the_token(staff_client, linked, x):
    x.post(xmock.INVALIDATE_URL, body=requests.ConnectionError("refused"))
    response = staff_client.post(unlink_url(linked))
    assert response.status_code == 302
    assert messages_of(response) == [
        "Unlinked “linkedbot” and forgot its token, but X did not confirm the revocation (X did "
        "not answer). Revoke the app in the bot's X settings (Security and account access > "
        "Apps and sessions)."
    ]
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.UNLINKED
    assert (linked.twitter_access_token, linked.twitter_access_token_secret) == ("", "")
    assert linked.twitter_user_id == ""


def test_unlink_when_x_fails_still_forgets_the_token(staff_client, linked, x):
    x.post(xmock.INVALIDATE_URL, status=500)
    response = staff_client.post(unlink_url(linked), follow=True)
    assert [(str(m), m.tags) for m in response.context["messages"]] == [
        (
            "Unlinked “linkedbot” and forgot its token, but X did not confirm the revocation (X "
            "did not answer). Revoke the app in the bot's X settings (Security and account "
            "access > Apps and sessions).",
            "warning",
        )
    ]
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.UNLINKED
    assert linked.twitter_access_token == ""


def test_unlink_a_token_x_already_rejects_counts_as_revoked(staff_client, linked, x):
    x.post(
        xmock.INVALIDATE_URL,
        json={"errors": [{"code": 89, "message": "Invalid or expired token."}]},
        status=401,
    )
    response = staff_client.post(unlink_url(linked))
    assert messages_of(response) == ["Unlinked “linkedbot”; X revoked its token."]
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.UNLINKED


def test_unlink_without_change_permission_is_forbidden(viewer_client, linked, x):
    assert viewer_client.get(unlink_url(linked)).status_code == 403
    assert viewer_client.post(unlink_url(linked)).status_code == 403
    assert len(x.calls) == 0
    assert_still_linked(linked)


def test_unlink_post_without_csrf_token_is_refused(staff, linked, x):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(unlink_url(linked))
    assert response.status_code == 403
    assert len(x.calls) == 0
    assert_still_linked(linked)


# The "Verify selected" action


def test_verify_selected_action_checks_linked_accounts_only(staff_client, linked, account, x):
    xmock.users_me(x)
    response = staff_client.post(
        CHANGELIST, {"action": "verify_selected", "_selected_action": [linked.pk, account.pk]}
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "Verified with X: 1 valid. 1 unlinked bot account was skipped."
    ]
    assert len(x.calls) == 1
    linked.refresh_from_db()
    assert linked.last_verification == BotAccount.Verification.VALID
    assert linked.access_level == "read-write"
    account.refresh_from_db()
    assert account.last_verified_at is None


def test_verify_selected_action_summarises_mixed_results(staff_client, linked, x):
    other = make_linked("otherbot", user_id="2222", username="otherbot")

    def answer(request):
        if "2222-accesstokenotherbot" in request.headers["Authorization"].decode():
            return (
                401,
                {},
                '{"title":"Unauthorized","type":"about:blank","status":401,'
                '"detail":"Unauthorized"}',
            )
        return (
            200,
            {"x-access-level": "read-write"},
            '{"data":{"id":"6253282","name":"Twitter API","username":"twitterapi"}}',
        )

    x.add_callback("GET", xmock.USERS_ME_URL, callback=answer)
    response = staff_client.post(
        CHANGELIST, {"action": "verify_selected", "_selected_action": [linked.pk, other.pk]}
    )
    shown = messages_of(response)
    assert shown[0] == "Verified with X: 1 invalid (401), 1 valid."
    assert shown[1].startswith("“otherbot”: X rejected the token: Unauthorized; first 401")
    assert len(shown) == 2
    other.refresh_from_db()
    assert other.status == BotAccount.Status.LINKED  # a first 401 is not proof
    assert other.unauthorized_since is not None
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_verification == BotAccount.Verification.VALID


def test_verify_selected_action_is_not_offered_without_change_permission(viewer_client, linked):
    response = viewer_client.get(CHANGELIST)
    assert response.status_code == 200
    assertNotContains(response, "verify_selected")
    assert_still_linked(linked)


# Query counts


def create_linked_accounts(start: int, stop: int, *, linked_by: User) -> None:
    BotAccount.objects.bulk_create(
        BotAccount(
            name=f"bot{n:05}",
            status=BotAccount.Status.LINKED,
            twitter_access_token=f"{n}-accesstoken",
            twitter_access_token_secret=f"accesssecret{n}",
            twitter_user_id=str(n),
            twitter_username=f"bot{n}",
            linked_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
            linked_by=linked_by,
        )
        for n in range(start, stop)
    )


def test_changelist_queries_do_not_grow_with_the_number_of_accounts(staff_client, staff):
    create_linked_accounts(0, 10, linked_by=staff)
    staff_client.get(CHANGELIST)  # session, content types and permissions cached
    with CaptureQueriesContext(connection) as few:
        response = staff_client.get(CHANGELIST)
    assertContains(response, "10 bot accounts")
    create_linked_accounts(10, 1000, linked_by=staff)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(CHANGELIST)
    assertContains(response, "1000 bot accounts")
    assert len(many) == len(few)
    assert BotAccount.objects.get(name="bot00999").twitter_access_token == "999-accesstoken"


@pytest.mark.parametrize("name", ["verify", "unlink"])
def test_malformed_object_id_is_404(staff_client, linked, x, name):
    response = staff_client.post(f"{CHANGELIST}abc/{name}/")
    assert response.status_code == 404
    assert len(x.calls) == 0
    assert_still_linked(linked)


def test_unlink_an_account_without_token_says_so_and_calls_no_one(staff_client, account, x):
    response = staff_client.post(unlink_url(account))
    assert response.status_code == 302
    assert messages_of(response) == ["Unlinked “newsbot”; it had no X token."]
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED


def test_verify_selected_with_an_undecryptable_row_reports_it_and_checks_the_others(
    staff_client, linked, x, settings
):
    lost = make_linked("lostkey", user_id="2222", username="lostkey")
    settings.BOTAUTH_ENCRYPTION_KEYS = ["ZmRzYS1vdGhlci1rZXktMDAwMDAwMDAwMDAwMDAwMDA="]
    linked.save(update_fields=["twitter_access_token", "twitter_access_token_secret"])
    xmock.users_me(x)
    response = staff_client.post(
        CHANGELIST, {"action": "verify_selected", "_selected_action": [linked.pk, lost.pk]}
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "Verified with X: 1 error, 1 valid.",
        "“lostkey”: cannot decrypt: key missing. No key in BOTAUTH_ENCRYPTION_KEYS decrypts this "
        "bot's token; put the old key back (after the new one) or link the bot again. X was not "
        "called.",
    ]
    assert len(x.calls) == 1
    lost = BotAccount.objects.defer(*SECRET_FIELDS).get(pk=lost.pk)
    assert lost.last_verification == BotAccount.Verification.ERROR
    assert lost.last_verification_detail.startswith("cannot decrypt: key missing.")
    linked.refresh_from_db()
    assert linked.last_verification == BotAccount.Verification.VALID
