"""`link_bot_account NAME --import` stores a pair X confirms, read from stdin (issue 9, item 12)."""

from __future__ import annotations

import io

import pytest
import requests

from botauth.models import BotAccount
from tests import spec, xmock
from tests.helpers import authorization, call, make_linked

TOKEN = f"{xmock.USER_ID}-portalgeneratedtoken"
SECRET = "portalgeneratedsecret"


def run_import(*args: str, stdin: str = f"{TOKEN}\n{SECRET}\n") -> tuple[str, str, int]:
    return call("link_bot_account", *args, "--import", stdin=io.StringIO(stdin))


def assert_unchanged(account: BotAccount) -> None:
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert (account.twitter_access_token, account.twitter_access_token_secret) == ("", "")
    assert (account.twitter_user_id, account.twitter_username) == ("", "")


def test_import_checks_the_pair_with_x_and_stores_what_x_reports(account, x):
    xmock.users_me(x, access_level="read-write")
    out, err, code = run_import("newsbot")
    assert (out, err, code) == ("Linked newsbot to @twitterapi\n", "", 0)
    assert [c.request.url for c in x.calls] == [xmock.USERS_ME_URL]
    assert x.calls[0].request.method == "GET"
    assert f'oauth_token="{TOKEN}"' in authorization(x.calls[0])
    spec.validate("GetUsersMeResponse", x.calls[0].response.json())
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert (account.twitter_access_token, account.twitter_access_token_secret) == (TOKEN, SECRET)
    assert (account.twitter_user_id, account.twitter_username) == (xmock.USER_ID, "twitterapi")
    assert account.access_level == "read-write"
    assert account.linked_by is None
    assert account.linked_at is not None


def test_import_with_create_creates_the_account(x, db):
    xmock.users_me(x)
    out, err, code = run_import("freshbot", "--create")
    assert code == 0
    account = BotAccount.objects.get()
    assert (account.name, account.status) == ("freshbot", BotAccount.Status.LINKED)
    assert account.twitter_access_token == TOKEN


def test_import_of_a_read_only_pair_warns_that_it_cannot_post(account, x):
    xmock.users_me(x, access_level="read")
    out, err, code = run_import("newsbot")
    assert code == 0
    assert err == "X reports access level 'read': this token cannot post.\n"
    account.refresh_from_db()
    assert account.access_level == "read"


def test_a_pair_x_refuses_stores_nothing_and_says_so(account, x):
    xmock.users_me_error(x, 401)
    spec.validate_problem(xmock.UNAUTHORIZED)
    out, err, code = run_import("newsbot")
    assert code == 1
    assert err == (
        "X refused the request (401) while checking the access token with X: Unauthorized. "
        "'newsbot' was not changed.\n"
    )
    assert out == ""
    assert_unchanged(account)


def test_a_refused_pair_with_create_leaves_no_account(x, db):
    xmock.users_me_error(x, 401)
    out, err, code = run_import("freshbot", "--create")
    assert code == 1
    assert BotAccount.objects.count() == 0


def test_x_down_stores_nothing(account, x):
    x.get(xmock.USERS_ME_URL, body=requests.ConnectTimeout("down"))
    out, err, code = run_import("newsbot")
    assert code == 1
    assert err == (
        "X did not answer in time while checking the access token with X; try again. "
        "'newsbot' was not changed.\n"
    )
    assert_unchanged(account)


@pytest.mark.parametrize(
    "stdin", ["", f"{TOKEN}\n", f"{TOKEN}\n\n", "\n\n"], ids=["empty", "one", "blank", "blanks"]
)
def test_both_lines_are_needed(account, x, stdin):
    out, err, code = run_import("newsbot", stdin=stdin)
    assert code == 1
    assert err.startswith("--import reads the access token and its secret from standard input")
    assert len(x.calls) == 0
    assert_unchanged(account)


def test_something_that_is_not_a_token_is_refused_without_calling_x(account, x):
    out, err, code = run_import("newsbot", stdin="a token with spaces\nsecret\n")
    assert code == 1
    assert err.startswith("That is not an access token and secret")
    assert len(x.calls) == 0
    assert_unchanged(account)


def test_the_pair_is_never_taken_from_the_command_line(account, x):
    out, err, code = call("link_bot_account", "newsbot", "--import", TOKEN, SECRET)
    assert code == 1
    assert "unrecognized arguments" in err
    assert len(x.calls) == 0
    assert_unchanged(account)


def test_an_x_user_linked_to_another_bot_is_refused(account, x):
    other = make_linked("firstbot")
    xmock.users_me(x)
    out, err, code = run_import("newsbot")
    assert code == 1
    assert err == (
        "X account @twitterapi is already linked to bot account “firstbot”. Unlink it there "
        "first; nothing was changed. 'newsbot' was not changed.\n"
    )
    assert_unchanged(account)
    other.refresh_from_db()
    assert other.twitter_access_token == f"{xmock.USER_ID}-accesstokenfirstbot"


def test_a_linked_bot_cannot_be_imported_as_another_x_user(x, db):
    account = make_linked("loyal", user_id="111", username="oldhandle")
    xmock.users_me(x, user_id="222", username="intruder")
    out, err, code = run_import("loyal", stdin="222-othertoken\nothersecret\n")
    assert code == 1
    assert "“loyal” is linked to @oldhandle, but X approved @intruder" in err
    account.refresh_from_db()
    assert account.twitter_access_token == "111-accesstokenloyal"
    assert account.twitter_user_id == "111"


def test_a_token_of_another_user_than_x_names_is_refused(account, x):
    xmock.users_me(x, user_id="999")
    out, err, code = run_import("newsbot")
    assert code == 1
    assert "an access token that belongs to another user_id" in err
    assert_unchanged(account)


def test_a_handle_x_should_never_send_is_refused(account, x):
    xmock.users_me(x, username="not a handle")
    out, err, code = run_import("newsbot")
    assert code == 1
    assert "a screen_name that is not 1 to 15 letters" in err
    assert_unchanged(account)
