"""What the admin tells a person, and what its history records (issue 9)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from botauth.models import BotAccount
from tests import xmock
from tests.helpers import CALLBACK, approve, change_url, make_linked, pending

ADD = reverse("admin:botauth_botaccount_add")
CHANGELIST = reverse("admin:botauth_botaccount_changelist")
# x-rate-limit-reset 1641543656 as the admin shows it (TIME_ZONE is UTC).
RESET = dt.datetime.fromtimestamp(1641543656, tz=dt.UTC)
RESET_SHOWN = "Jan. 7, 2022, 8:20 a.m. UTC"


def seen(response) -> list[tuple[str, str]]:
    return [(str(m), m.tags) for m in get_messages(response.wsgi_request)]


def history_of(account: BotAccount) -> list[tuple[str, int, str]]:
    entries = LogEntry.objects.filter(object_id=str(account.pk)).order_by("pk")
    return [(e.user.username, e.action_flag, e.change_message) for e in entries]


pytestmark = pytest.mark.usefixtures("no_backoff")


def client_with(db, *codenames: str, username: str = "person") -> Client:
    user = User.objects.create_user(username, password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def adder(db) -> Client:
    return client_with(db, "add_botaccount", "change_botaccount", "view_botaccount")


def suspended_then_rate_limited() -> BotAccount:
    account = make_linked("ratelimited")
    BotAccount.objects.filter(pk=account.pk).update(
        status=BotAccount.Status.SUSPENDED,
        last_verification=BotAccount.Verification.RATE_LIMITED,
        last_verification_detail="X rate limit reached; try after the reset time",
        last_verified_at=dt.datetime(2022, 1, 7, 8, 5, tzinfo=dt.UTC),
        rate_limit_reset_at=RESET,
    )
    return account


# Status and last check never disagree


def test_changelist_shows_a_last_check_column_that_explains_the_status(staff_client, db):
    account = suspended_then_rate_limited()
    response = staff_client.get(CHANGELIST)
    assertContains(response, ">Last check</a>")
    assertContains(response, ">Suspended</span>")
    assertContains(
        response,
        '<td class="field-last_check">Rate limited (429); X gave no verdict, so the status '
        f"“Suspended” is from before; X allows the next check after {RESET_SHOWN}</td>",
        html=True,
    )
    assertNotContains(response, ">rate_limited<")
    account.refresh_from_db()
    assert account.status == BotAccount.Status.SUSPENDED


def test_a_conclusive_check_is_shown_with_its_label(staff_client, linked):
    BotAccount.objects.filter(pk=linked.pk).update(
        status=BotAccount.Status.INVALID, last_verification=BotAccount.Verification.INVALID
    )
    response = staff_client.get(CHANGELIST)
    assertContains(response, '<td class="field-last_check">Invalid (401)</td>', html=True)
    assertContains(response, ">Invalid</span>")


def test_change_page_has_fieldsets_and_labels_not_raw_values(staff_client, db):
    account = suspended_then_rate_limited()
    response = staff_client.get(change_url(account))
    html = response.content.decode()
    for heading in ["X account", "Last check with X"]:
        assert f">{heading}</h2>" in html
    assert "Link in progress" not in html
    assertContains(response, "Suspended: X refused access to this account")
    assertContains(response, "X allows the next check after " + RESET_SHOWN)
    assertContains(response, "Not known yet: “Verify now” asks X")
    assert "rate_limited" not in html
    assert "Rate limited (429)" in html


def test_change_page_shows_a_link_in_progress(staff_client, staff, account):
    pending(account, staff)
    response = staff_client.get(change_url(account))
    assertContains(response, ">Link in progress</h2>")
    assertContains(response, "Pending: waiting for approval on X")


def test_verify_now_rate_limited_says_when_to_try_and_keeps_the_status(staff_client, staff, db, x):
    account = suspended_then_rate_limited()
    x.get(
        xmock.USERS_ME_URL,
        json={"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
        status=429,
        headers={"x-rate-limit-reset": "1641543656"},
    )
    response = staff_client.post(reverse("admin:botauth_botaccount_verify", args=[account.pk]))
    assert seen(response) == [
        (
            f"Verified with X: 1 rate limited (429). X allows the next check after {RESET_SHOWN}.",
            "warning",
        )
    ]
    account.refresh_from_db()
    assert account.status == BotAccount.Status.SUSPENDED
    assert account.last_verification == BotAccount.Verification.RATE_LIMITED
    assert history_of(account) == [
        (
            "staff",
            CHANGE,
            "Verified with X: Rate limited (429). X rate limit reached; try after the reset "
            f"time. X allows the next check after {RESET_SHOWN}.",
        )
    ]


# Verify selected


def test_verify_selected_on_unlinked_accounts_only_verifies_nothing(staff_client, account, x):
    other = BotAccount.objects.create(name="otherunlinked")
    response = staff_client.post(
        CHANGELIST, {"action": "verify_selected", "_selected_action": [account.pk, other.pk]}
    )
    assert response.status_code == 302
    assert seen(response) == [
        (
            "Nothing was verified: none of the selected bot accounts is linked to X. Link them "
            "first.",
            "warning",
        )
    ]
    assert len(x.calls) == 0
    assert LogEntry.objects.count() == 0
    account.refresh_from_db()
    assert account.last_verified_at is None


def test_verify_selected_records_each_result_in_history(staff_client, linked, x):
    xmock.users_me(x)
    response = staff_client.post(
        CHANGELIST, {"action": "verify_selected", "_selected_action": [linked.pk]}
    )
    assert seen(response) == [("Verified with X: 1 valid.", "success")]
    assert history_of(linked) == [("staff", CHANGE, "Verified with X: Valid.")]
    linked.refresh_from_db()
    assert linked.last_verification == BotAccount.Verification.VALID


# The add form and "Save and link with X"


def test_add_form_asks_only_for_the_name_and_offers_save_and_link(adder):
    response = adder.get(ADD)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == ["name"]
    html = response.content.decode()
    for read_only in ["status_summary", "x_user_id", "last_verified_at", "link_started_at"]:
        assert f"field-{read_only}" not in html
    assertContains(response, "The X account is linked after saving")
    assertContains(
        response,
        '<input type="submit" value="Save and link with X" class="default" name="_savelink" '
        'id="botauth-save-and-link">',
        html=True,
    )
    assert BotAccount.objects.count() == 0


def test_save_and_link_saves_then_goes_to_x(adder, x):
    xmock.request_token(x)
    response = adder.post(ADD, {"name": "freshbot", "_savelink": "Save and link with X"})
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert (url.netloc, url.path) == ("api.twitter.com", "/oauth/authorize")
    account = BotAccount.objects.get(name="freshbot")
    assert account.status == BotAccount.Status.PENDING
    assert account.twitter_oauth_token == xmock.REQUEST_TOKEN
    assert account.link_started_by is not None
    assert account.link_started_by.username == "person"
    assert history_of(account) == [("person", ADDITION, '[{"added": {}}]')]
    assert seen(response) == [
        (
            f'The bot account “<a href="{change_url(account)}">freshbot</a>” was added '
            "successfully.",
            "success",
        )
    ]


def test_save_and_link_when_x_fails_keeps_the_account_and_says_so(adder, x):
    xmock.oauth_error(x, xmock.REQUEST_TOKEN_URL)
    response = adder.post(ADD, {"name": "failbot", "_savelink": "Save and link with X"})
    account = BotAccount.objects.get(name="failbot")
    assert response.status_code == 302
    assert response["Location"] == change_url(account)
    messages = seen(response)
    assert messages[0][0].endswith(">failbot</a>” was added successfully.")
    assert messages[1][0].startswith("Could not start linking “failbot” with X: X refused")
    assert messages[1][1] == "error"
    assert account.status == BotAccount.Status.UNLINKED
    assert account.twitter_oauth_token == ""


def test_save_and_link_needs_the_change_permission(db, x):
    client = client_with(db, "add_botaccount", "view_botaccount")
    assertNotContains(client.get(ADD), "_savelink")
    response = client.post(ADD, {"name": "addonly", "_savelink": "Save and link with X"})
    assert response.status_code == 302
    assert ("You may add bot accounts but not link them with X.", "warning") in seen(response)
    assert len(x.calls) == 0
    assert BotAccount.objects.get(name="addonly").status == BotAccount.Status.UNLINKED


def test_save_and_link_is_offered_on_an_unlinked_account_only(adder, account, linked):
    assertContains(adder.get(change_url(account)), 'name="_savelink"')
    assertNotContains(adder.get(change_url(linked)), 'name="_savelink"')


def test_save_and_link_from_the_change_page_saves_the_new_name(adder, account, x):
    xmock.request_token(x)
    response = adder.post(change_url(account), {"name": "renamed", "_savelink": "1"})
    assert urlsplit(response["Location"]).path == "/oauth/authorize"
    account.refresh_from_db()
    assert account.name == "renamed"
    assert account.status == BotAccount.Status.PENDING


# The callback's messages


def test_access_level_is_shown_right_after_linking_when_x_says_it(staff_client, staff, account, x):
    pending(account, staff)
    xmock.access_token(x, access_level="read-write")
    response = approve(staff_client)
    assert seen(response) == [("Linked @twitterapi with read and write access.", "success")]
    account.refresh_from_db()
    assert account.access_level == "read-write"
    response = staff_client.get(change_url(account))
    assertContains(response, "Read and write")


def test_a_read_only_link_warns_that_the_bot_cannot_post(staff_client, staff, account, x):
    pending(account, staff)
    xmock.access_token(x, access_level="read")
    response = approve(staff_client)
    assert seen(response) == [
        (
            "Linked @twitterapi with read only access: it cannot post. Give the X app “Read and "
            "write” permission in the developer portal, then re-link.",
            "warning",
        )
    ]
    account.refresh_from_db()
    assert account.access_level == "read"
    assert account.status == BotAccount.Status.LINKED


@pytest.mark.parametrize("header", ["admin-everything", "read-write" * 10])
def test_an_unknown_access_level_from_x_is_not_stored(staff_client, staff, account, x, header):
    pending(account, staff)
    xmock.access_token(x, access_level=header)
    response = approve(staff_client)
    assert seen(response) == [("Linked @twitterapi", "success")]
    account.refresh_from_db()
    assert account.access_level == ""
    assert account.status == BotAccount.Status.LINKED


def test_cancelling_a_relink_says_the_bot_is_still_linked(staff_client, staff, db, x):
    account = pending(make_linked("keeper"), staff)
    response = staff_client.get(CALLBACK, {"denied": xmock.REQUEST_TOKEN})
    assert seen(response) == [
        (
            "Authorization was cancelled on X; “keeper” is still linked to @twitterapi.",
            "warning",
        )
    ]
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_oauth_token == ""


def test_cancelling_a_first_link_says_it_was_not_linked(staff_client, staff, account, x):
    pending(account, staff)
    response = staff_client.get(CALLBACK, {"denied": xmock.REQUEST_TOKEN})
    assert seen(response) == [
        ("Authorization was cancelled on X; “newsbot” was not linked.", "warning")
    ]
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED


def test_duplicate_handle_error_page_links_to_the_bot(staff_client, staff, account, x):
    make_linked("firstbot")
    pending(account, staff)
    xmock.access_token(x)
    response = approve(staff_client)
    assert response.status_code == 409
    assertContains(
        response,
        f'<a href="{change_url(account)}" id="botauth-back">Back to “newsbot”</a>',
        html=True,
        status_code=409,
    )
    assertNotContains(response, f'href="{CHANGELIST}" id="botauth-back"', status_code=409)
    account.refresh_from_db()
    assert account.twitter_user_id == ""


def test_an_unknown_flow_error_page_links_to_the_list(staff_client, staff, account, x):
    response = staff_client.get(CALLBACK, {"oauth_token": "unknown", "oauth_verifier": "v"})
    assert response.status_code == 400
    assertContains(
        response,
        f'<a href="{CHANGELIST}" id="botauth-back">Back to bot accounts</a>',
        html=True,
        status_code=400,
    )


# History


def test_link_relink_and_unlink_are_in_the_history_with_who_did_them(
    staff_client, staff, account, x
):
    pending(account, staff)
    xmock.access_token(x, access_level="read-write")
    approve(staff_client)
    pending(BotAccount.objects.get(pk=account.pk), staff)
    xmock.access_token(x)
    approve(staff_client)
    x.post(xmock.INVALIDATE_URL, json={"access_token": xmock.ACCESS_TOKEN})
    staff_client.post(reverse("admin:botauth_botaccount_unlink", args=[account.pk]))
    assert history_of(account) == [
        (
            "staff",
            CHANGE,
            "Linked with X as @twitterapi (X user id 6253282). Access level: Read and write.",
        ),
        ("staff", CHANGE, "Re-linked with X as @twitterapi (X user id 6253282)."),
        ("staff", CHANGE, "Unlinked from @twitterapi; X revoked the token."),
    ]
    response = staff_client.get(reverse("admin:botauth_botaccount_history", args=[account.pk]))
    assertContains(response, "Re-linked with X as @twitterapi")
    assertContains(response, "Unlinked from @twitterapi; X revoked the token.")
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED


def test_an_unconfirmed_revocation_is_recorded_as_such(staff_client, linked, x):
    x.post(xmock.INVALIDATE_URL, status=500)
    staff_client.post(reverse("admin:botauth_botaccount_unlink", args=[linked.pk]))
    assert history_of(linked) == [
        (
            "staff",
            CHANGE,
            "Unlinked from @twitterapi; the token was forgotten but X did not confirm the "
            "revocation (X did not answer).",
        )
    ]
    linked.refresh_from_db()
    assert linked.twitter_access_token == ""


def test_a_failed_link_records_nothing(staff_client, staff, account, x):
    pending(account, staff)
    x.post(xmock.ACCESS_TOKEN_URL, status=500, body="oops")
    assert approve(staff_client).status_code == 502
    assert history_of(account) == []
