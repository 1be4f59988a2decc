from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import ExpressionWrapper, F, TextField
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from botauth import verification
from botauth.flows import ACCESS_CLEARED
from botauth.models import BotAccount
from botauth.verification import verify_accounts
from tests import xmock
from tests.helpers import ROOT, as_itself, call, make_linked, oauth_token_of, users_me_body

ACCESS_TOKEN = f"{xmock.USER_ID}-accesstokenlinkedbot"
ACCESS_SECRET = "accesssecretlinkedbot"
RESET_AT = datetime(2022, 1, 7, 8, 20, 56, tzinfo=UTC)  # xmock's x-rate-limit-reset 1641543656
HEADER = f"{'NAME':<9}  {'STATUS':<12}  {'HANDLE':<16}  {'ACCESS':<25}  DETAIL"


def run_command(*args: str, **options) -> tuple[str, str, int]:
    return call("verify_bot_tokens", *args, **options)


def row(
    name: str, status: str, handle: str, access: str, detail: str = "", *, width: int = 9
) -> str:
    return f"{name:<{width}}  {status:<12}  {handle:<16}  {access:<25}  {detail}".rstrip()


@pytest.fixture(autouse=True)
def sleeps(monkeypatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("botauth.verification.time.sleep", slept.append)
    return slept


# One account, each answer of X


def test_valid_token_is_recorded(linked, x):
    xmock.users_me(x, access_level="read-write-directmessages")
    out, err, code = run_command("linkedbot")
    assert code == 0
    assert err == ""
    assert out.splitlines() == [
        HEADER,
        row("linkedbot", "valid", "@twitterapi", "read-write-directmessages"),
        "1 checked, 1 X calls.",
    ]
    assert len(x.calls) == 1
    assert f'oauth_token="{ACCESS_TOKEN}"' in x.calls[0].request.headers["Authorization"].decode()
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_verification == BotAccount.Verification.VALID
    assert timezone.now() - linked.last_verified_at < timedelta(minutes=1)
    assert linked.last_seen_working_at == linked.last_verified_at
    assert linked.unauthorized_since is None
    assert linked.access_level == "read-write-directmessages"
    assert linked.last_verification_detail == ""
    assert linked.rate_limit_reset_at is None


def test_changed_handle_is_stored_and_reported(linked, x):
    xmock.users_me(x, username="twitterdev")
    out, err, code = run_command("linkedbot")
    assert code == 0
    assert out.splitlines()[1] == row(
        "linkedbot",
        "valid",
        "@twitterdev",
        "read-write",
        "handle changed from @twitterapi to @twitterdev",
    )
    linked.refresh_from_db()
    assert linked.twitter_username == "twitterdev"
    assert linked.last_verification_detail == "handle changed from @twitterapi to @twitterdev"


def test_a_token_naming_another_user_is_flagged_and_nothing_is_replaced(linked, x):
    xmock.users_me(x, user_id="783214", username="Twitter")
    out, err, code = run_command("linkedbot")
    assert code == 1
    detail = (
        f"X says this token is user 783214, not the linked user {xmock.USER_ID} (@twitterapi); "
        "nothing was changed. Unlink the bot and link it again."
    )
    assert out.splitlines()[1] == row("linkedbot", "error", "@twitterapi", "read-write", detail)
    assert err == "1 of 1 not valid: 1 error.\n"
    linked.refresh_from_db()
    assert (linked.twitter_user_id, linked.twitter_username) == (xmock.USER_ID, "twitterapi")
    assert (linked.status, linked.last_verification) == ("linked", "error")
    assert linked.last_verification_detail == detail
    assert linked.last_seen_working_at is None


def test_a_handle_that_is_no_handle_is_not_stored_nor_printed_raw(linked, x):
    xmock.users_me(x, username="\x1b]0;owned\x07\x1b[31mevil\u202e")
    out, err, code = run_command("linkedbot")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert out.splitlines()[1] == row(
        "linkedbot",
        "valid",
        "@twitterapi",
        "read-write",
        "X sent no valid handle; @twitterapi kept",
    )
    linked.refresh_from_db()
    assert linked.twitter_username == "twitterapi"
    assert linked.last_verification == "valid"


def test_control_characters_never_reach_the_terminal(db, x):
    make_linked("bell\x07bot", user_id=xmock.USER_ID, username="twitterapi")
    x.get(
        xmock.USERS_ME_URL,
        status=418,
        body="\x1b[2J\x1b[31mtea\x00pot\u202e",
        content_type="text/plain; charset=utf-8",
    )
    out, err, code = run_command()
    assert code == 1
    assert all(char.isprintable() for line in out.splitlines() for char in line)
    assert "bellbot" in out and "X answered 418: [2J[31mteapot" in out
    account = BotAccount.objects.get()
    # Stored clean too: PostgreSQL refuses NUL, and the admin and JSON show it again.
    assert account.last_verification_detail == "X answered 418: [2J[31mteapot"


def test_json_keeps_the_text_as_sent_escaped(db, x):
    make_linked("bell\x07bot")
    xmock.users_me(x, username="new_handle")
    out, err, code = run_command("--json")
    assert "\x07" not in out and "\\u0007" in out
    assert json.loads(out)[0]["name"] == "bell\x07bot"
    assert BotAccount.objects.get().twitter_username == "new_handle"


def test_read_only_token_is_flagged(linked, x):
    xmock.users_me(x, access_level="read")
    out, err, code = run_command("linkedbot")
    assert code == 0
    assert out.splitlines()[1] == row(
        "linkedbot", "valid", "@twitterapi", "read", "token cannot post (no write access)"
    )
    linked.refresh_from_db()
    assert linked.access_level == "read"
    assert linked.can_write is False
    assert linked.last_verification_detail == "token cannot post (no write access)"


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def test_a_first_401_is_reported_without_retry_but_does_not_mark_invalid_yet(linked, x):
    # Behaviour change: one 401 used to mark the account invalid. X has answered 401 for valid
    # tokens during outages, so the first one only starts the confirmation window (exit 1).
    xmock.users_me_error(x, 401)
    out, err, code = run_command("linkedbot")
    assert code == 1
    linked.refresh_from_db()
    since = linked.unauthorized_since
    assert since is not None
    detail = (
        "X rejected the token: Unauthorized; first 401, invalid if still so after "
        f"{utc(since + timedelta(hours=3))}"
    )
    assert out.splitlines()[1:] == [
        row("linkedbot", "invalid", "@twitterapi", "-", detail),
        "1 checked, 1 X calls.",
    ]
    assert err == "1 of 1 not valid: 1 invalid.\n"
    assert len(x.calls) == 1
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_verification == BotAccount.Verification.INVALID
    assert linked.last_verification_detail == detail
    assert linked.last_seen_working_at is None


def test_a_401_after_the_confirmation_window_marks_invalid(linked, x):
    first = timezone.now() - timedelta(hours=3, minutes=1)
    BotAccount.objects.filter(pk=linked.pk).update(unauthorized_since=first)
    xmock.users_me_error(x, 401)
    out, err, code = run_command("linkedbot")
    assert code == 1
    detail = f"X rejected the token: Unauthorized; 401 since {utc(first)}: invalid"
    assert out.splitlines()[1] == row("linkedbot", "invalid", "@twitterapi", "-", detail)
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.INVALID
    assert linked.unauthorized_since == first
    assert linked.last_verification_detail == detail
    assert linked.twitter_access_token == ACCESS_TOKEN


def test_a_401_within_the_confirmation_window_keeps_the_account_linked(linked, x):
    first = timezone.now() - timedelta(hours=2, minutes=59)
    BotAccount.objects.filter(pk=linked.pk).update(unauthorized_since=first)
    xmock.users_me_error(x, 401)
    out, err, code = run_command("linkedbot")
    assert code == 1
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.unauthorized_since == first
    assert linked.last_verification_detail == (
        f"X rejected the token: Unauthorized; 401 since {utc(first)}, invalid if still so "
        f"after {utc(first + timedelta(hours=3))}"
    )


def test_the_confirmation_window_is_a_setting(linked, x, settings):
    settings.BOTAUTH_HEALTH_CONFIRM_AFTER = 60
    first = timezone.now() - timedelta(seconds=61)
    BotAccount.objects.filter(pk=linked.pk).update(unauthorized_since=first)
    xmock.users_me_error(x, 401)
    run_command("linkedbot")
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.INVALID


def test_a_success_clears_the_401_and_restores_an_invalid_account(linked, x):
    BotAccount.objects.filter(pk=linked.pk).update(
        status=BotAccount.Status.INVALID, unauthorized_since=timezone.now() - timedelta(days=1)
    )
    xmock.users_me(x)
    out, err, code = run_command("linkedbot")
    assert code == 0
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.unauthorized_since is None
    assert linked.last_seen_working_at == linked.last_verified_at


def test_rejected_token_is_never_deleted(linked, x):
    xmock.users_me_error(x, 401)
    run_command("linkedbot")
    linked.refresh_from_db()
    assert linked.twitter_access_token == ACCESS_TOKEN
    assert linked.twitter_access_token_secret == ACCESS_SECRET
    assert (linked.twitter_user_id, linked.twitter_username) == (xmock.USER_ID, "twitterapi")


def test_forbidden_token_is_marked_suspended(linked, x):
    xmock.users_me_error(x, 403)
    out, err, code = run_command("linkedbot")
    assert code == 1
    assert err == "1 of 1 not valid: 1 suspended.\n"
    assert len(x.calls) == 1
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.SUSPENDED
    assert linked.last_verification == BotAccount.Verification.SUSPENDED
    assert linked.last_verification_detail == (
        "X refused access: Your account is suspended and is not permitted to access this feature."
    )
    assert linked.twitter_access_token == ACCESS_TOKEN


def test_rate_limited_keeps_the_status_and_stores_the_reset_time(linked, x):
    xmock.users_me_error(x, 429)
    out, err, code = run_command("linkedbot")
    assert code == 1
    assert err == "1 of 1 not valid: 1 rate_limited.\n"
    assert len(x.calls) == 1
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_verification == BotAccount.Verification.RATE_LIMITED
    assert linked.rate_limit_reset_at == RESET_AT


def test_rate_limited_in_json_has_the_reset_time(linked, x):
    xmock.users_me_error(x, 429)
    out, err, code = run_command("linkedbot", "--json")
    assert code == 1
    assert json.loads(out)[0]["rate_limit_reset_at"] == "2022-01-07T08:20:56+00:00"
    linked.refresh_from_db()
    assert linked.rate_limit_reset_at == RESET_AT


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_then_recorded_as_error(linked, x, sleeps, status):
    xmock.users_me_error(x, status)
    out, err, code = run_command("linkedbot")
    assert code == 1
    assert out.splitlines()[1] == row(
        "linkedbot", "error", "@twitterapi", "-", f"X answered {status}: Service Unavailable"
    )
    assert out.splitlines()[2] == "1 checked, 3 X calls."
    assert err == "1 of 1 not valid: 1 error.\n"
    assert len(x.calls) == 3
    assert len(sleeps) == 2
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_verification == BotAccount.Verification.ERROR
    assert linked.twitter_access_token == ACCESS_TOKEN


def test_timeouts_are_retried_then_recorded_as_error(linked, x):
    x.get(xmock.USERS_ME_URL, body=requests.ConnectTimeout("no answer"))
    out, err, code = run_command("linkedbot")
    assert code == 1
    assert len(x.calls) == 3
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_verification == BotAccount.Verification.ERROR
    assert linked.last_verification_detail == "X could not be reached: ConnectTimeout"


def test_a_retry_that_succeeds_records_valid(linked, x):
    xmock.users_me_error(x, 503)
    xmock.users_me(x)
    out, err, code = run_command("linkedbot")
    assert code == 0
    assert len(x.calls) == 2
    linked.refresh_from_db()
    assert linked.last_verification == BotAccount.Verification.VALID


# Exit codes and arguments


def test_unknown_name_is_exit_2_and_checks_nothing(linked, x):
    out, err, code = run_command("linkedbot", "ghost", "phantom")
    assert code == 2
    assert err == "No bot account named 'ghost', 'phantom'.\n"
    assert len(x.calls) == 0
    linked.refresh_from_db()
    assert linked.last_verified_at is None


def test_an_unlinked_name_is_reported_and_the_others_are_checked(db, x):
    make_linked("bot_a", user_id="1", username="bot_a")
    BotAccount.objects.create(name="bot_b")
    make_linked("bot_c", user_id="3", username="bot_c")
    x.add_callback("GET", xmock.USERS_ME_URL, callback=as_itself("same"))
    # One at a time: with more in flight, which of bot_a and bot_c X answers first varies.
    out, err, code = run_command("bot_a", "bot_b", "bot_c", "--concurrency", "1")
    assert code == 1
    assert out.splitlines() == [
        f"{'NAME':<5}  {'STATUS':<12}  {'HANDLE':<16}  {'ACCESS':<25}  DETAIL",
        row("bot_b", "unlinked", "-", "-", "not linked; link it with X first", width=5),
        row(
            "bot_a", "valid", "@same", "read-write", "handle changed from @bot_a to @same", width=5
        ),
        row(
            "bot_c", "valid", "@same", "read-write", "handle changed from @bot_c to @same", width=5
        ),
        "2 checked, 1 not linked, 2 X calls.",
    ]
    assert err == "1 of 3 not valid: 1 unlinked, 2 valid.\n"
    assert sorted(oauth_token_of(call.request) for call in x.calls) == [
        "1-accesstokenbot_a",
        "3-accesstokenbot_c",
    ]
    bot_b = BotAccount.objects.get(name="bot_b")
    assert (bot_b.status, bot_b.last_verification, bot_b.last_verified_at) == ("unlinked", "", None)
    assert BotAccount.objects.filter(last_verification="valid").count() == 2


def test_an_unlinked_name_is_in_the_json_too(linked, account, x):
    BotAccount.objects.filter(pk=account.pk).update(status=BotAccount.Status.PENDING)
    xmock.users_me(x)
    out, err, code = run_command("linkedbot", "newsbot", "--json")
    assert code == 1
    results = json.loads(out)
    assert [(r["name"], r["status"], r["detail"]) for r in results] == [
        ("newsbot", "unlinked", "a link with X is pending; finish it or start again"),
        ("linkedbot", "valid", ""),
    ]
    assert results[0]["username"] == "" and results[0]["can_write"] is False
    assert err == "1 checked, 1 not linked, 1 X calls.\n1 of 2 not valid: 1 unlinked, 1 valid.\n"
    account.refresh_from_db()
    assert (account.status, account.last_verified_at) == ("pending", None)


def test_only_unlinked_names_check_nothing_and_exit_1(linked, account, x):
    out, err, code = run_command("newsbot")
    assert code == 1
    assert out.splitlines()[1:] == [
        row("newsbot", "unlinked", "-", "-", "not linked; link it with X first", width=7),
        "0 checked, 1 not linked, 0 X calls.",
    ]
    assert len(x.calls) == 0
    linked.refresh_from_db()
    assert linked.last_verified_at is None


def test_missing_consumer_key_is_exit_2(linked, x, settings):
    settings.TWITTER_CONSUMER_API_KEY = ""
    out, err, code = run_command()
    assert code == 2
    assert err.startswith("Set TWITTER_CONSUMER_API_KEY and TWITTER_CONSUMER_API_KEY_SECRET")
    assert len(x.calls) == 0
    BotAccount.objects.filter(pk=linked.pk, last_verified_at__isnull=True).get()


def test_missing_encryption_keys_is_exit_2(linked, x, settings):
    settings.BOTAUTH_ENCRYPTION_KEYS = []
    out, err, code = run_command()
    assert code == 2
    assert err.startswith("Set BOTAUTH_ENCRYPTION_KEYS")
    assert len(x.calls) == 0
    assert BotAccount.objects.filter(last_verified_at__isnull=False).count() == 0


OTHER_KEY = "ZmRzYS1vdGhlci1rZXktMDAwMDAwMDAwMDAwMDAwMDA="


def ciphertexts(account: BotAccount) -> tuple[str, str]:
    stored: tuple[str, str] = (
        BotAccount.objects.filter(pk=account.pk)
        .values_list(
            ExpressionWrapper(F("twitter_access_token"), TextField()),
            ExpressionWrapper(F("twitter_access_token_secret"), TextField()),
        )
        .get()
    )
    return stored


def test_an_undecryptable_row_is_reported_on_its_own_and_the_run_goes_on(linked, x, settings):
    lost = make_linked("lostkey", user_id="2", username="lostkey")  # under the key about to go
    stored = ciphertexts(lost)
    settings.BOTAUTH_ENCRYPTION_KEYS = [OTHER_KEY]
    make_linked("newkey", user_id="3", username="newkey")
    x.add_callback("GET", xmock.USERS_ME_URL, callback=as_itself("newkey"))
    out, err, code = run_command("newkey", "lostkey")
    assert code == 1
    assert out.splitlines()[1:] == [
        row("lostkey", "error", "@lostkey", "-", str(verification.UNDECRYPTABLE), width=7),
        row("newkey", "valid", "@newkey", "read-write", width=7),
        "2 checked, 1 X calls.",
    ]
    assert err == "1 of 2 not valid: 1 error, 1 valid.\n"
    assert [oauth_token_of(call.request) for call in x.calls] == ["3-accesstokennewkey"]
    lost.refresh_from_db(fields=["status", "last_verification", "last_verification_detail"])
    assert (lost.status, lost.last_verification) == ("linked", "error")
    assert lost.last_verification_detail == verification.UNDECRYPTABLE[:255]
    assert ciphertexts(lost) == stored  # never rewritten, never deleted
    assert BotAccount.objects.get(name="newkey").last_verification == "valid"


def test_an_undecryptable_row_in_json_has_its_own_result(linked, x, settings):
    settings.BOTAUTH_ENCRYPTION_KEYS = [OTHER_KEY]
    out, err, code = run_command("--json")
    assert code == 1
    assert [(r["name"], r["status"], r["detail"]) for r in json.loads(out)] == [
        ("linkedbot", "error", verification.UNDECRYPTABLE)
    ]
    assert len(x.calls) == 0
    assert BotAccount.objects.filter(last_verification="error").count() == 1


def test_invalid_duration_is_a_usage_error(linked, x):
    out, err, code = run_command("--stale-after", "soon")
    assert code != 0
    assert err == (
        "Error: argument --stale-after: 'soon' is not a positive duration; use e.g. 90s, 30m, "
        "6h, 2d or 1w.\n"
    )
    assert len(x.calls) == 0
    linked.refresh_from_db()
    assert linked.last_verified_at is None


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_invalid_concurrency_is_a_usage_error(linked, x, value):
    out, err, code = run_command(f"--concurrency={value}")
    assert code != 0
    assert err == f"Error: argument --concurrency: {value!r} is not a whole number of 1 or more.\n"
    assert len(x.calls) == 0


def test_usage_error_from_the_command_line_exits_2():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": django_settings.SETTINGS_MODULE}
    result = subprocess.run(
        [sys.executable, "-m", "django", "verify_bot_tokens", "--stale-after", "0s"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "'0s' is not a positive duration" in result.stderr
    assert result.stdout == ""


# Which accounts are checked


def test_no_names_checks_every_linked_account_and_no_other(linked, account, x):
    make_linked("invalidbot", user_id="2", username="invalidbot")
    BotAccount.objects.filter(name="invalidbot").update(status=BotAccount.Status.INVALID)
    BotAccount.objects.create(name="pendingbot", status=BotAccount.Status.PENDING)
    x.add_callback("GET", xmock.USERS_ME_URL, callback=as_itself("twitterapi"))
    out, err, code = run_command()
    assert len(x.calls) == 2
    assert sorted(line.split()[0] for line in out.splitlines()[1:3]) == ["invalidbot", "linkedbot"]
    assert set(
        BotAccount.objects.filter(last_verified_at__isnull=False).values_list("name", flat=True)
    ) == {"invalidbot", "linkedbot"}
    assert BotAccount.objects.get(name="invalidbot").status == BotAccount.Status.LINKED


def test_no_linked_accounts_says_so(account, x):
    out, err, code = run_command()
    assert (out, err, code) == ("No linked bot accounts to verify.\n0 checked, 0 X calls.\n", "", 0)
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.last_verified_at is None


def test_stale_after_skips_recently_verified_accounts(x, db):
    now = timezone.now()
    recent = make_linked("recent", user_id="1", username="recent")
    stale = make_linked("stale", user_id="2", username="stale")
    never = make_linked("never", user_id="3", username="never")
    BotAccount.objects.filter(pk=recent.pk).update(last_verified_at=now - timedelta(minutes=10))
    BotAccount.objects.filter(pk=stale.pk).update(last_verified_at=now - timedelta(hours=2))
    x.add_callback("GET", xmock.USERS_ME_URL, callback=as_itself("same"))
    out, err, code = run_command("--stale-after", "1h")
    assert code == 0
    assert sorted(oauth_token_of(call.request) for call in x.calls) == [
        "2-accesstokenstale",
        "3-accesstokennever",
    ]
    recent.refresh_from_db()
    assert recent.last_verified_at == now - timedelta(minutes=10)
    assert recent.twitter_username == "recent"
    never.refresh_from_db()
    assert never.last_verified_at is not None
    assert never.twitter_username == "same"


def test_stale_after_skips_accounts_whose_own_traffic_proved_them_working(x, db):
    now = timezone.now()
    posting = make_linked("posting", user_id="1", username="posting")
    quiet = make_linked("quiet", user_id="2", username="quiet")
    doubted = make_linked("doubted", user_id="3", username="doubted")
    suspended = make_linked("suspended", user_id="4", username="suspended")
    BotAccount.objects.filter(pk=posting.pk).update(last_seen_working_at=now - timedelta(hours=2))
    BotAccount.objects.filter(pk=quiet.pk).update(last_seen_working_at=now - timedelta(days=2))
    # Seen working, but a 401 came after: X is asked.
    BotAccount.objects.filter(pk=doubted.pk).update(
        last_seen_working_at=now - timedelta(hours=2), unauthorized_since=now - timedelta(hours=1)
    )
    BotAccount.objects.filter(pk=suspended.pk).update(
        last_seen_working_at=now - timedelta(hours=2), status=BotAccount.Status.SUSPENDED
    )
    x.add_callback("GET", xmock.USERS_ME_URL, callback=echo_handle)
    out, err, code = run_command("--stale-after", "1d")
    assert sorted(oauth_token_of(call.request) for call in x.calls) == [
        "2-accesstokenquiet",
        "3-accesstokendoubted",
        "4-accesstokensuspended",
    ]
    assert out.splitlines()[-1] == (
        "3 checked, 1 skipped as verified or seen working within --stale-after, 3 X calls."
    )
    posting.refresh_from_db()
    assert posting.last_verified_at is None
    assert posting.last_seen_working_at == now - timedelta(hours=2)
    assert BotAccount.objects.filter(last_verified_at__isnull=False).count() == 3


def test_a_bot_that_posted_today_costs_no_x_call_in_the_daily_run(linked, x):
    x.post(
        f"{xmock.API}/2/tweets",
        status=201,
        json={"data": {"id": "1456012973835788293", "text": "Hello"}},
        headers={"x-access-level": "read-write"},
    )
    linked.get_tweepy_client().create_tweet(text="Hello")
    out, err, code = run_command("--stale-after", "1d", "--json")
    assert (json.loads(out), code) == ([], 0)
    assert err == (
        "0 checked, 1 skipped as verified or seen working within --stale-after, 0 X calls.\n"
    )
    assert [call.request.method for call in x.calls] == ["POST"]
    linked.refresh_from_db()
    assert linked.last_verified_at is None
    assert linked.last_seen_working_at is not None


def test_stale_after_with_a_name_that_is_fresh_checks_nothing(linked, x):
    verified_at = timezone.now() - timedelta(minutes=5)
    BotAccount.objects.filter(pk=linked.pk).update(last_verified_at=verified_at)
    out, err, code = run_command("linkedbot", "--stale-after", "30m")
    assert (out, err, code) == (
        "No linked bot accounts to verify.\n"
        "0 checked, 1 skipped as verified or seen working within --stale-after, 0 X calls.\n",
        "",
        0,
    )
    assert len(x.calls) == 0
    linked.refresh_from_db()
    assert linked.last_verified_at == verified_at


# Output


def test_json_prints_an_array_of_results(linked, x):
    make_linked("readonly", user_id="2", username="readonly")

    def answer(request):
        if oauth_token_of(request) == "2-accesstokenreadonly":
            return (200, {"x-access-level": "read"}, users_me_body("readonly", "2"))
        return (200, {"x-access-level": "read-write"}, users_me_body("twitterapi"))

    x.add_callback("GET", xmock.USERS_ME_URL, callback=answer)
    out, err, code = run_command("--json")
    assert code == 0
    results = sorted(json.loads(out), key=lambda result: result["name"])
    assert [
        (r["name"], r["status"], r["username"], r["access_level"], r["can_write"]) for r in results
    ] == [
        ("linkedbot", "valid", "twitterapi", "read-write", True),
        ("readonly", "valid", "readonly", "read", False),
    ]
    assert results[1]["detail"] == "token cannot post (no write access)"
    assert results[0]["previous_username"] == "twitterapi"
    assert results[0]["rate_limit_reset_at"] is None
    assert datetime.fromisoformat(results[0]["checked_at"]) <= timezone.now()
    assert BotAccount.objects.get(name="readonly").access_level == "read"


def test_json_with_failures_is_still_an_array_and_exit_1(linked, x):
    xmock.users_me_error(x, 401)
    out, err, code = run_command("--json")
    assert code == 1
    assert [(r["name"], r["status"], r["username"]) for r in json.loads(out)] == [
        ("linkedbot", "invalid", "twitterapi")
    ]
    assert err == "1 checked, 1 X calls.\n1 of 1 not valid: 1 invalid.\n"
    linked.refresh_from_db()
    assert linked.last_verification == BotAccount.Verification.INVALID
    assert linked.unauthorized_since is not None


def test_json_with_nothing_to_check_is_an_empty_array(account, x):
    out, err, code = run_command("--json")
    assert (json.loads(out), err, code) == ([], "0 checked, 0 X calls.\n", 0)
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert account.last_verified_at is None


def test_json_summary_on_stderr_is_silenced_by_verbosity_0(linked, x):
    xmock.users_me(x)
    out, err, code = run_command("--json", "--verbosity", "0")
    assert (len(json.loads(out)), err, code) == (1, "", 0)
    linked.refresh_from_db()
    assert linked.last_verification == BotAccount.Verification.VALID


# Many accounts at once


def test_concurrency_gives_each_account_its_own_result(x, db):
    for n in range(50):
        make_linked(f"bot{n:02}", user_id=str(1000 + n), username=f"old{n}")

    def answer(request):
        n = int(oauth_token_of(request).split("-")[0]) - 1000
        if n % 10 == 3:
            return (401, {}, json.dumps(xmock.UNAUTHORIZED))
        access = "read" if n % 10 == 7 else "read-write"
        return (200, {"x-access-level": access}, users_me_body(f"new{n}", str(1000 + n)))

    x.add_callback("GET", xmock.USERS_ME_URL, callback=answer)
    out, err, code = run_command("--concurrency", "4", "--json")
    assert code == 1
    assert err == "50 checked, 50 X calls.\n5 of 50 not valid: 5 invalid, 45 valid.\n"
    assert len(x.calls) == 50
    by_name = {r["name"]: r for r in json.loads(out)}
    assert len(by_name) == 50
    for n in range(50):
        account = BotAccount.objects.get(name=f"bot{n:02}")
        if n % 10 == 3:
            assert by_name[account.name]["status"] == "invalid"
            assert (account.status, account.twitter_username) == ("linked", f"old{n}")
            assert account.unauthorized_since is not None
        else:
            assert by_name[account.name]["username"] == f"new{n}"
            assert (account.status, account.twitter_username) == ("linked", f"new{n}")
            assert account.access_level == ("read" if n % 10 == 7 else "read-write")
        assert account.twitter_access_token == f"{1000 + n}-accesstokenbot{n:02}"


# verify_accounts, called directly


def make_many(count: int) -> None:
    for n in range(count):
        make_linked(f"bot{n:02}", user_id=str(1000 + n), username=f"bot{n}")


def echo_handle(request):
    n = int(oauth_token_of(request).split("-")[0]) - 1000
    return (200, {"x-access-level": "read-write"}, users_me_body(f"bot{n}", str(1000 + n)))


def test_verify_accounts_counts_results(linked, x):
    xmock.users_me_error(x, 403)
    counts = verify_accounts(BotAccount.objects.all(), concurrency=2)
    assert counts == {"suspended": 1}
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.SUSPENDED


def test_verify_accounts_reports_its_x_calls_retries_included(x, db, sleeps):
    make_many(3)
    answered: list[int] = []

    def first_fails(request):
        answered.append(1)
        if len(answered) > 1:
            return echo_handle(request)
        unavailable = {"title": "Service Unavailable", "type": "about:blank", "status": 503}
        return (503, {}, json.dumps({**unavailable, "detail": "Service Unavailable"}))

    x.add_callback("GET", xmock.USERS_ME_URL, callback=first_fails)
    tally = verify_accounts(BotAccount.objects.all(), concurrency=1)
    assert tally == {"valid": 3}
    assert tally.x_calls == len(x.calls) == 4
    assert BotAccount.objects.filter(last_verification="valid").count() == 3


def test_verify_accounts_writes_results_in_batches(x, db):
    make_many(50)
    x.add_callback("GET", xmock.USERS_ME_URL, callback=echo_handle)
    with CaptureQueriesContext(connection) as queries:
        counts = verify_accounts(BotAccount.objects.all(), concurrency=4, batch_size=20)
    assert counts == {"valid": 50}
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    results = [sql for sql in updates if '"last_verification" =' in sql]
    claims = [sql for sql in updates if sql not in results]
    assert 2 <= len(results) <= 3
    # 16 accounts claimed at a time (4 x concurrency), then one release at the end.
    assert len(claims) == 4 + 1
    assert BotAccount.objects.filter(last_verification="valid").count() == 50


def test_verify_accounts_reads_accounts_in_chunks(x, db):
    make_many(25)
    x.add_callback("GET", xmock.USERS_ME_URL, callback=echo_handle)
    with CaptureQueriesContext(connection) as queries:
        verify_accounts(BotAccount.objects.all(), concurrency=2, chunk_size=10)
    selects = [q["sql"] for q in queries if 'FROM "botauth_botaccount" WHERE' in q["sql"]]
    assert len([s for s in selects if "LIMIT 10" in s]) == 3
    assert BotAccount.objects.filter(last_verified_at__isnull=True).count() == 0


def test_verify_accounts_honours_deferred_tokens_without_extra_queries(linked, x):
    xmock.users_me(x)
    queryset = BotAccount.objects.defer("twitter_access_token", "twitter_access_token_secret")
    with CaptureQueriesContext(connection) as queries:
        counts = verify_accounts(queryset, concurrency=2)
    assert counts == {"valid": 1}
    assert f'oauth_token="{ACCESS_TOKEN}"' in x.calls[0].request.headers["Authorization"].decode()
    assert len([q for q in queries if "twitter_access_token" in q["sql"]]) == 1
    linked.refresh_from_db()
    assert linked.last_verification == BotAccount.Verification.VALID


@pytest.mark.parametrize("linked_at", [None, datetime(2024, 5, 1, tzinfo=UTC)])
def test_account_unlinked_mid_run_is_not_overwritten(x, db, linked_at):
    make_many(5)
    BotAccount.objects.update(linked_at=linked_at)
    x.add_callback("GET", xmock.USERS_ME_URL, callback=echo_handle)
    unlinked: list[str] = []

    def unlink_first(outcome) -> None:
        if not unlinked:
            unlinked.append(outcome.name)
            BotAccount.objects.filter(name=outcome.name).update(
                status=BotAccount.Status.UNLINKED, **ACCESS_CLEARED
            )

    counts = verify_accounts(
        BotAccount.objects.all(), concurrency=2, batch_size=100, on_outcome=unlink_first
    )
    assert counts == {"valid": 5}
    gone = BotAccount.objects.get(name=unlinked[0])
    assert gone.status == BotAccount.Status.UNLINKED
    assert (gone.twitter_username, gone.last_verification, gone.last_verified_at) == ("", "", None)
    assert BotAccount.objects.filter(last_verification="valid").count() == 4


def test_account_relinked_mid_run_keeps_its_new_link(x, db):
    make_many(3)
    BotAccount.objects.update(linked_at=datetime(2024, 5, 1, tzinfo=UTC))
    x.add_callback("GET", xmock.USERS_ME_URL, callback=echo_handle)
    relinked_at = datetime(2024, 6, 1, tzinfo=UTC)

    def relink_bot00(outcome) -> None:
        if outcome.name == "bot00":
            BotAccount.objects.filter(name="bot00").update(
                linked_at=relinked_at, twitter_username="relinked"
            )

    verify_accounts(BotAccount.objects.all(), concurrency=2, on_outcome=relink_bot00)
    bot00 = BotAccount.objects.get(name="bot00")
    assert (bot00.twitter_username, bot00.linked_at, bot00.last_verified_at) == (
        "relinked",
        relinked_at,
        None,
    )
    assert BotAccount.objects.filter(last_verification="valid").count() == 2


def test_check_with_no_retries_calls_x_once(linked, x, sleeps):
    xmock.users_me_error(x, 503)
    outcome = verification.check(linked, retries=0)
    assert (outcome.result, outcome.detail) == ("error", "X answered 503: Service Unavailable")
    assert len(x.calls) == 1
    assert sleeps == []
    linked.refresh_from_db()
    assert linked.last_verified_at is None


def test_a_200_without_user_data_is_an_error_not_a_crash(linked, x):
    x.get(xmock.USERS_ME_URL, body="<html>proxy login</html>", content_type="text/html")
    out, err, code = run_command("linkedbot")
    assert code == 1
    assert out.splitlines()[1] == row(
        "linkedbot", "error", "@twitterapi", "-", "X answered 200 without user data"
    )
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_verification == BotAccount.Verification.ERROR
    assert linked.twitter_access_token == ACCESS_TOKEN


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_with_counts_per_status(db, x):
    make_linked("bot1", user_id=xmock.USER_ID)
    make_linked("bot2", user_id="2")
    xmock.users_me(x)
    xmock.users_me_error(x, 401)
    out, err = io.StringIO(), Terminal()
    with pytest.raises(CommandError):
        call_command("verify_bot_tokens", "--concurrency", "1", stdout=out, stderr=err)
    assert "[###############               ] 1/2  valid 1" in err.getvalue()
    assert "[##############################] 2/2  invalid 1  valid 1" in err.getvalue()
    assert err.getvalue().endswith("\r\x1b[K")
    assert "valid" in out.getvalue()
    assert BotAccount.objects.get(name="bot2").last_verification == BotAccount.Verification.INVALID


def test_json_output_on_a_terminal_has_no_progress(db, x):
    make_linked("bot1")
    xmock.users_me(x)
    out, err = io.StringIO(), Terminal()
    call_command("verify_bot_tokens", "--json", stdout=out, stderr=err)
    assert err.getvalue() == "1 checked, 1 X calls.\n"
    assert json.loads(out.getvalue())[0]["status"] == "valid"


CLIENT_FORBIDDEN = {
    "client_id": "27316216",
    "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and "
    "tokens from a Twitter developer App that is attached to a Project. You can create a project "
    "via the developer portal.",
    "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
    "title": "Client Forbidden",
    "required_enrollment": "Appropriate Level of API Access",
    "reason": "client-not-enrolled",
    "type": "https://api.twitter.com/2/problems/client-forbidden",
}


def test_a_403_about_the_app_is_an_error_not_a_suspended_bot(linked, x):
    x.get(xmock.USERS_ME_URL, json=CLIENT_FORBIDDEN, status=403)
    out, err, code = run_command("linkedbot")
    assert code == 1
    assert "X refused the app, not this bot: When authenticating requests" in out
    assert len(x.calls) == 1
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.LINKED
    assert linked.last_verification == BotAccount.Verification.ERROR


# Each output mode, whole, byte for byte


def three_bots_one_not_linked(x) -> None:
    make_linked("bot1", user_id=xmock.USER_ID)
    make_linked("longer-bot2", user_id="2")
    BotAccount.objects.create(name="waiting", status=BotAccount.Status.PENDING)
    xmock.users_me(x)
    xmock.users_me_error(x, 401)


def test_the_table_on_a_terminal_whole(db, x):
    three_bots_one_not_linked(x)
    out, err = io.StringIO(), Terminal()
    with pytest.raises(CommandError, match=r"^2 of 3 not valid: 1 invalid, 1 unlinked, 1 valid\.$"):
        call_command(
            "verify_bot_tokens",
            "bot1",
            "longer-bot2",
            "waiting",
            "--concurrency",
            "1",
            stdout=out,
            stderr=err,
        )
    width = len("longer-bot2")
    # The confirmation time is X's answer plus three hours: only its shape is fixed here.
    table = re.sub(r"after \d{4}-\d\d-\d\d \d\d:\d\d UTC", "after <time>", out.getvalue())
    assert table == "\n".join(
        [
            row("NAME", "STATUS", "HANDLE", "ACCESS", "DETAIL", width=width),
            row(
                "waiting",
                "unlinked",
                "-",
                "-",
                "a link with X is pending; finish it or start again",
                width=width,
            ),
            row("bot1", "valid", "@twitterapi", "read-write", width=width),
            row(
                "longer-bot2",
                "invalid",
                "@twitterapi",
                "-",
                "X rejected the token: Unauthorized; first 401, invalid if still so after <time>",
                width=width,
            ),
            "2 checked, 1 not linked, 2 X calls.",
            "",
        ]
    )
    clear = "\r\x1b[K"
    assert err.getvalue() == (
        f"{clear}[##########                    ] 1/3  unlinked 1"
        f"{clear}[####################          ] 2/3  unlinked 1  valid 1"
        f"{clear}[##############################] 3/3  invalid 1  unlinked 1  valid 1"
        f"{clear}"
    )


def test_the_json_array_whole(db, x):
    three_bots_one_not_linked(x)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "verify_bot_tokens",
            "bot1",
            "longer-bot2",
            "waiting",
            "--json",
            "--concurrency",
            "1",
            stdout=out,
            stderr=err,
        )
    rows = json.loads(out.getvalue())
    assert [(r["name"], r["status"]) for r in rows] == [
        ("waiting", "unlinked"),
        ("bot1", "valid"),
        ("longer-bot2", "invalid"),
    ]
    # One object per line as it comes, "[" before the first, "," before the others.
    assert (
        out.getvalue()
        == "".join(("[" if i == 0 else ",") + json.dumps(r) + "\n" for i, r in enumerate(rows))
        + "]\n"
    )
    assert err.getvalue() == "2 checked, 1 not linked, 2 X calls.\n"


def test_nothing_to_verify_whole(db):
    assert call("verify_bot_tokens") == (
        "No linked bot accounts to verify.\n0 checked, 0 X calls.\n",
        "",
        0,
    )
    assert call("verify_bot_tokens", "--json") == ("[]\n", "0 checked, 0 X calls.\n", 0)
    assert call("verify_bot_tokens", "--json", "-v", "0") == ("[]\n", "", 0)
