from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.utils import timezone, translation

from botauth.management.commands.refresh_bot_tokens import Command
from botauth.models import BotAccount
from tests import xtoken
from tests.helpers import call, make_linked
from tests.xtoken import TokenX, access, oauth2_bot


@pytest.fixture(autouse=True)
def client_app(settings):
    settings.TWITTER_CLIENT_ID = xtoken.CLIENT_ID
    settings.TWITTER_CLIENT_SECRET = xtoken.CLIENT_SECRET


def run(*args: str) -> tuple[str, str, int]:
    return call("refresh_bot_tokens", *args)


def results(out: str) -> dict[str, str]:
    """NAME -> RESULT from the table."""
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "RESULT", "EXPIRES", "DETAIL"]
    return {line.split()[0]: line.split()[1] for line in lines[1:]}


def test_expiring_and_expired_tokens_are_refreshed_fresh_ones_left_alone(db, x):
    idle = oauth2_bot("idlebot", expires_in=timedelta(days=-20), user_id="1")
    soon = oauth2_bot("soonbot", n=10, expires_in=timedelta(minutes=2), user_id="2")
    oauth2_bot("freshbot", n=20, expires_in=timedelta(hours=1), user_id="3")
    endpoint = TokenX(x, valid=xtoken.refresh(0))
    second = TokenX(x, valid=xtoken.refresh(10), first=11)

    out, err, code = run()

    assert (code, err) == (0, "")
    assert results(out) == {"freshbot": "fresh", "idlebot": "refreshed", "soonbot": "refreshed"}
    assert endpoint.refreshes + second.refreshes == 2
    idle.refresh_from_db()
    soon.refresh_from_db()
    assert idle.twitter_refresh_token == xtoken.refresh(1)
    assert soon.twitter_access_token == access(11)
    assert idle.token_expires_at is not None
    assert idle.token_expires_at > timezone.now() + timedelta(hours=1)
    assert xtoken.refresh(1) not in out and access(1) not in out


def test_expiring_within_widens_the_window(db, x):
    account = oauth2_bot(expires_in=timedelta(hours=1))
    TokenX(x, valid=xtoken.refresh(0))
    out, _, code = run("--expiring-within", "90m")
    assert code == 0
    assert results(out) == {"o2bot": "refreshed"}
    account.refresh_from_db()
    assert account.twitter_access_token == access(1)


def test_oauth1_bots_are_listed_as_skipped(db, x):
    make_linked("o1bot")
    out, _, code = run("o1bot")
    assert code == 0
    assert out.splitlines()[1].split(None, 3) == [
        "o1bot",
        "skipped",
        "-",
        "OAuth 1.0a: its token does not expire",
    ]
    assert len(x.calls) == 0


def test_a_refused_token_needs_a_re_link_and_exits_1(db, x):
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    x.post(xtoken.TOKEN_URL, json=xtoken.INVALID_TOKEN, status=400)

    out, err, code = run()

    assert code == 1
    assert results(out) == {"o2bot": "relink"}
    assert "Link it with X again" in out
    assert err == "1 of 1 not refreshed: 1 relink.\n"
    account.refresh_from_db()
    assert account.last_verification == BotAccount.Verification.REFRESH_REFUSED


def test_x_unavailable_is_an_error_and_keeps_the_pair(db, x):
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    x.post(xtoken.TOKEN_URL, body=requests.ReadTimeout("timed out"))

    out, err, code = run("--json")

    assert code == 1
    [row] = json.loads(out)
    assert row["name"] == "o2bot" and row["result"] == "error"
    assert "answer to the token refresh was lost" in row["detail"]
    account.refresh_from_db()
    assert account.twitter_refresh_token == xtoken.refresh(0)


def test_json_reports_every_row(db, x):
    oauth2_bot(expires_in=timedelta(hours=1))
    make_linked("o1bot")
    out, _, code = run("--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["name"], r["protocol"], r["result"]) for r in rows] == [
        ("o2bot", "oauth2", "fresh"),
        ("o1bot", "oauth1", "skipped"),
    ]
    assert rows[0]["expires_at"].endswith("+00:00")


def test_json_with_nothing_linked_is_an_empty_array(db):
    assert run("--json") == ("[]\n", "", 0)


def test_nothing_linked_says_so(db):
    assert run() == ("No linked bot accounts to refresh.\n", "", 0)


def test_unknown_names_are_a_usage_error(db):
    _, err, code = run("nobody")
    assert code == 2
    assert err == "No bot account named 'nobody'.\n"


def test_a_bad_duration_from_the_command_line_exits_2():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "refresh_bot_tokens", "--expiring-within", "soon"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "argument --expiring-within: 'soon' is not a positive duration" in result.stderr
    assert result.stdout == ""


def test_a_missing_client_id_is_a_configuration_error(db, x, settings):
    settings.TWITTER_CLIENT_ID = ""
    oauth2_bot(expires_in=timedelta(seconds=-1))
    _, err, code = run()
    assert code == 2
    assert "Set TWITTER_CLIENT_ID" in err
    assert len(x.calls) == 0


def test_oauth1_only_projects_need_no_client_id(db, settings):
    settings.TWITTER_CLIENT_ID = ""
    make_linked("o1bot")
    assert run()[2] == 0


def test_a_bad_refresh_margin_is_a_configuration_error_not_a_traceback(db, x, settings):
    account = oauth2_bot(expires_in=timedelta(minutes=1))
    settings.BOTAUTH_OAUTH2_REFRESH_MARGIN = "soon"
    out, err, code = call("refresh_bot_tokens")
    assert code == 2
    assert "BOTAUTH_OAUTH2_REFRESH_MARGIN must be a number of seconds" in err
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert (account.twitter_access_token, account.token_refreshed_at) == (access(0), None)


def test_a_german_reader_gets_the_table_and_the_summary_in_german(db, x):
    account = oauth2_bot(expires_in=timedelta(seconds=-1))
    make_linked("o1bot")
    x.post(xtoken.TOKEN_URL, json=xtoken.INVALID_TOKEN, status=400)

    with translation.override("de"):
        out, err, code = run()

    assert code == 1
    header, relink, skipped = out.splitlines()
    assert header.split() == ["NAME", "ERGEBNIS", "ABLAUF", "DETAILS"]
    assert relink.split()[:2] == ["o2bot", "relink"]
    assert skipped.split(None, 3) == [
        "o1bot",
        "skipped",
        "-",
        "OAuth 1.0a: sein Token läuft nicht ab",
    ]
    assert err == "1 von 2 nicht erneuert: 1 relink, 1 skipped.\n"
    account.refresh_from_db()
    assert account.last_verification == BotAccount.Verification.REFRESH_REFUSED
    assert account.last_verification_detail == (
        "X hat das Refresh-Token abgelehnt (invalid_request: Value passed for the token was "
        "invalid.); verknüpfen Sie den Bot erneut mit X."
    )


def test_json_is_the_same_in_every_language(db, x):
    account = oauth2_bot(expires_in=timedelta(hours=1))
    make_linked("o1bot")

    english = run("--json")
    with translation.override("de"):
        german = run("--json")

    assert german == english
    out, err, code = german
    assert (err, code) == ("", 0)
    assert [(r["result"], r["detail"]) for r in json.loads(out)] == [
        ("fresh", ""),
        ("skipped", "OAuth 1.0a: its token does not expire"),
    ]
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert (account.twitter_access_token, account.token_refreshed_at) == (access(0), None)


def test_nothing_linked_says_so_in_german(db):
    with translation.override("de"):
        assert run() == ("Keine verknüpften Bot-Konten zu erneuern.\n", "", 0)
        assert run("--json") == ("[]\n", "", 0)


def test_the_help_is_shown_in_the_readers_language():
    with translation.override("de"):
        parser = Command().create_parser("manage.py", "refresh_bot_tokens")
    text = " ".join(parser.format_help().split())
    assert "Erneuert die OAuth-2.0-Tokens von Bots" in text
    assert "Ausgabe als JSON-Array." in text
    assert "Refresh OAuth 2.0 bot tokens" not in text


def test_a_bad_refresh_margin_is_reported_in_german(db, x, settings):
    account = oauth2_bot(expires_in=timedelta(minutes=1))
    settings.BOTAUTH_OAUTH2_REFRESH_MARGIN = "soon"
    with translation.override("de"):
        out, err, code = run()
    assert (out, code) == ("", 2)
    assert err == (
        "BOTAUTH_OAUTH2_REFRESH_MARGIN muss eine Anzahl Sekunden von 0 bis unter 7200 sein "
        "(die Tokens von X gelten 2 Stunden), nicht 'soon'.\n"
    )
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert (account.twitter_access_token, account.token_refreshed_at) == (access(0), None)


@pytest.mark.parametrize("command", ["refresh_bot_tokens", "verify_bot_tokens"])
def test_a_failing_system_check_exits_2(db, settings, command):
    settings.TWITTER_CONSUMER_API_KEY = ""
    settings.TWITTER_CONSUMER_API_KEY_SECRET = ""
    settings.TWITTER_CLIENT_ID = ""
    settings.TWITTER_CLIENT_SECRET = ""
    out, err, code = call(command, skip_checks=False)
    assert code == 2
    assert "botauth.E001" in err
