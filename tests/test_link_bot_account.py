from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from botauth.models import BotAccount
from tests import spec, xmock
from tests.helpers import authorization, call, make_linked

PIN = "1234567"
AUTHORIZE_URL = (
    f"https://api.twitter.com/oauth/authorize?oauth_token={xmock.REQUEST_TOKEN}&force_login=true"
)
PROMPT = f"Open this URL, sign in to X as the bot and approve:\n\n  {AUTHORIZE_URL}\n"


def run_command(*args: str, stdin: str | io.StringIO = f"{PIN}\n") -> tuple[str, str, int]:
    return call(
        "link_bot_account", *args, stdin=io.StringIO(stdin) if isinstance(stdin, str) else stdin
    )


def assert_unlinked_with_no_flow(account: BotAccount) -> None:
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert (account.twitter_oauth_token, account.twitter_oauth_token_secret) == ("", "")
    assert account.link_started_at is None
    assert (account.twitter_access_token, account.twitter_access_token_secret) == ("", "")
    assert (account.twitter_user_id, account.twitter_username) == ("", "")


def test_pin_flow_links_the_account(account, x):
    xmock.request_token(x)
    xmock.access_token(x)
    out, err, code = run_command("newsbot")
    assert (code, err) == (0, "")
    assert out == f"{PROMPT}PIN: Linked newsbot to @twitterapi\n"
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == xmock.ACCESS_TOKEN
    assert account.twitter_access_token_secret == xmock.ACCESS_SECRET
    assert (account.twitter_user_id, account.twitter_username) == (xmock.USER_ID, "twitterapi")
    assert account.linked_at is not None
    assert timezone.now() - account.linked_at < timedelta(minutes=1)
    assert account.linked_by is None
    assert (account.twitter_oauth_token, account.twitter_oauth_token_secret) == ("", "")
    assert account.link_started_at is None


def test_pin_flow_asks_x_for_an_oob_request_token_then_sends_the_pin(account, x):
    xmock.request_token(x)
    xmock.access_token(x)
    run_command("newsbot")
    assert [call.request.url for call in x.calls] == [
        xmock.REQUEST_TOKEN_URL,
        xmock.ACCESS_TOKEN_URL,
    ]
    assert 'oauth_callback="oob"' in authorization(x.calls[0])
    assert f'oauth_token="{xmock.REQUEST_TOKEN}"' in authorization(x.calls[1])
    assert f'oauth_verifier="{PIN}"' in authorization(x.calls[1])
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED


def test_relink_by_pin_names_the_bot_in_the_authorize_url(x, db):
    account = make_linked("relink")
    xmock.request_token(x)
    xmock.access_token(x)
    out, err, code = run_command("relink")
    assert code == 0
    url = out.splitlines()[2].strip()
    assert parse_qs(urlsplit(url).query)["screen_name"] == ["twitterapi"]
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == xmock.ACCESS_TOKEN


def test_create_creates_the_account(x, db):
    xmock.request_token(x)
    xmock.access_token(x)
    out, err, code = run_command("freshbot", "--create")
    assert code == 0
    assert out.endswith("Linked freshbot to @twitterapi\n")
    account = BotAccount.objects.get()
    assert account.name == "freshbot"
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == xmock.ACCESS_TOKEN


def test_missing_account_without_create_is_an_error(x, db):
    out, err, code = run_command("ghost")
    assert code == 1
    assert err == "No bot account named 'ghost'; add --create to create it.\n"
    assert out == ""
    assert len(x.calls) == 0
    assert BotAccount.objects.count() == 0


def test_wrong_pin_three_times_changes_nothing_and_shows_no_raw_json(account, x):
    xmock.request_token(x)
    xmock.oauth_error(x, xmock.ACCESS_TOKEN_URL)
    out, err, code = run_command("newsbot", stdin="1111111\n2222222\n3333333\n")
    assert code == 1
    assert err == (
        "X did not accept that PIN. Type it again (2 tries left).\n"
        "X did not accept that PIN. Type it again (1 try left).\n"
        "X did not accept that PIN. Gave up after 3 tries. 'newsbot' was not changed.\n"
    )
    assert out == f"{PROMPT}PIN: PIN: PIN: "
    assert [call.request.url for call in x.calls] == [
        xmock.REQUEST_TOKEN_URL,
        *[xmock.ACCESS_TOKEN_URL] * 3,
    ]
    assert_unlinked_with_no_flow(account)


def test_the_second_pin_links_with_the_first_request_token(account, x):
    xmock.request_token(x)
    wrong = {"errors": [{"code": 32, "message": "Could not authenticate you."}]}
    spec.validate_v1_errors(wrong)
    x.post(xmock.ACCESS_TOKEN_URL, json=wrong, status=401)
    xmock.access_token(x)
    out, err, code = run_command("newsbot", stdin=f"7654321\n{PIN}\n")
    assert (code, err) == (0, "X did not accept that PIN. Type it again (2 tries left).\n")
    assert out == f"{PROMPT}PIN: PIN: Linked newsbot to @twitterapi\n"
    assert [call.request.url for call in x.calls] == [
        xmock.REQUEST_TOKEN_URL,
        xmock.ACCESS_TOKEN_URL,
        xmock.ACCESS_TOKEN_URL,
    ]
    for sent, pin in zip(x.calls[1:], ["7654321", PIN], strict=True):
        assert f'oauth_token="{xmock.REQUEST_TOKEN}"' in authorization(sent)
        assert f'oauth_verifier="{pin}"' in authorization(sent)
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == xmock.ACCESS_TOKEN
    assert account.twitter_oauth_token == ""


def test_verbosity_2_adds_x_words_on_a_wrong_pin_but_never_its_json(account, x):
    xmock.request_token(x)
    xmock.oauth_error(x, xmock.ACCESS_TOKEN_URL)
    out, err, code = run_command("newsbot", "--verbosity", "2", stdin="1111111\n\n")
    assert code == 1
    assert err == (
        "X refused the request (401) while exchanging the verifier for an access token: Could "
        "not authenticate you. (code 32). Type it again (2 tries left).\n"
        "No PIN was entered. 'newsbot' was not changed.\n"
    )
    assert "{" not in err
    assert_unlinked_with_no_flow(account)


def test_wrong_pin_with_create_leaves_no_account_behind(x, db):
    xmock.request_token(x)
    xmock.oauth_error(x, xmock.ACCESS_TOKEN_URL)
    out, err, code = run_command("freshbot", "--create")
    assert code == 1
    assert err.endswith("'freshbot' was not changed.\n")
    assert BotAccount.objects.count() == 0


def test_wrong_pin_on_a_linked_account_keeps_its_pair(x, db):
    account = make_linked("keeper")
    xmock.request_token(x)
    xmock.oauth_error(x, xmock.ACCESS_TOKEN_URL)
    out, err, code = run_command("keeper")
    assert code == 1
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_access_token == f"{xmock.USER_ID}-accesstokenkeeper"
    assert account.twitter_access_token_secret == "accesssecretkeeper"
    assert account.twitter_oauth_token == ""


@pytest.mark.parametrize("stdin", ["", "\n", "   \n"])
def test_no_pin_is_a_clear_error(account, x, stdin):
    xmock.request_token(x)
    out, err, code = run_command("newsbot", stdin=stdin)
    assert code == 1
    assert err == "No PIN was entered. 'newsbot' was not changed.\n"
    assert out == f"{PROMPT}PIN: "
    assert len(x.calls) == 1
    assert_unlinked_with_no_flow(account)


def test_something_other_than_a_pin_is_refused_without_calling_x(account, x):
    xmock.request_token(x)
    out, err, code = run_command("newsbot", stdin="12 34; drop table\n")
    assert code == 1
    assert err == (
        "That is not a PIN from X: type the PIN X showed after you approved (letters and digits, "
        "no spaces). Type it again (2 tries left).\n"
        "No PIN was entered. 'newsbot' was not changed.\n"
    )
    assert len(x.calls) == 1
    assert_unlinked_with_no_flow(account)


def test_interrupted_at_the_pin_prompt_leaves_no_pending_flow(x, db):
    class Interrupted(io.StringIO):
        def readline(self, *args):
            raise KeyboardInterrupt

    BotAccount.objects.create(name="newsbot")
    xmock.request_token(x)
    with pytest.raises(KeyboardInterrupt):
        run_command("newsbot", stdin=Interrupted())
    with pytest.raises(KeyboardInterrupt):
        run_command("freshbot", "--create", stdin=Interrupted())
    assert list(BotAccount.objects.values_list("name", flat=True)) == ["newsbot"]
    assert_unlinked_with_no_flow(BotAccount.objects.get(name="newsbot"))


def test_x_down_at_request_token_stores_nothing(account, x):
    x.post(xmock.REQUEST_TOKEN_URL, body=requests.ConnectionError("refused"))
    out, err, code = run_command("newsbot")
    assert code == 1
    assert err == (
        "X could not be reached while getting a request token; try again. "
        "'newsbot' was not changed.\n"
    )
    assert out == ""
    assert len(x.calls) == 1
    assert_unlinked_with_no_flow(account)


def test_x_failing_at_request_token_with_create_leaves_no_account(x, db):
    x.post(xmock.REQUEST_TOKEN_URL, status=503)
    out, err, code = run_command("freshbot", "--create")
    assert code == 1
    assert err == (
        "X failed (503) while getting a request token; try again later. "
        "'freshbot' was not changed.\n"
    )
    assert BotAccount.objects.count() == 0


def test_unconfirmed_callback_stores_nothing(account, x):
    xmock.request_token(x, confirmed="")
    out, err, code = run_command("newsbot")
    assert code == 1
    assert "did not confirm the callback" in err
    assert len(x.calls) == 1
    assert_unlinked_with_no_flow(account)


def test_missing_consumer_keys_are_named(account, x, settings):
    settings.TWITTER_CONSUMER_API_KEY_SECRET = ""
    out, err, code = run_command("newsbot")
    assert code == 1
    assert err.startswith("Set TWITTER_CONSUMER_API_KEY and TWITTER_CONSUMER_API_KEY_SECRET")
    assert len(x.calls) == 0
    assert_unlinked_with_no_flow(account)


def test_x_account_linked_to_another_bot_is_refused(account, x):
    make_linked("firstbot")
    xmock.request_token(x)
    xmock.access_token(x)
    out, err, code = run_command("newsbot")
    assert code == 1
    assert err == (
        "X account @twitterapi is already linked to bot account “firstbot”. Unlink it there "
        "first; nothing was changed. 'newsbot' was not changed.\n"
    )
    assert_unlinked_with_no_flow(account)
    assert BotAccount.objects.get(name="firstbot").twitter_user_id == xmock.USER_ID


def test_x_down_while_exchanging_the_pin_leaves_no_pending_flow(account, x):
    xmock.request_token(x)
    x.post(xmock.ACCESS_TOKEN_URL, body=requests.ReadTimeout("slow"))
    out, err, code = run_command("newsbot")
    assert code == 1
    assert err == (
        "X did not answer in time while exchanging the verifier for an access token; try again. "
        "'newsbot' was not changed.\n"
    )
    assert len(x.calls) == 2
    assert_unlinked_with_no_flow(account)


def test_pin_flow_on_a_linked_account_warns_first(x, db):
    make_linked("relinked")
    xmock.request_token(x)
    xmock.access_token(x)
    out, err, code = run_command("relinked")
    assert code == 0
    assert err == (
        "“relinked” is already linked to @twitterapi. Approving as that X account renews its "
        "token; another X account is refused (unlink first).\n"
    )


def test_pin_flow_says_sandbox_when_the_sandbox_is_on(account, x, settings):
    settings.BOTAUTH_SANDBOX = True
    xmock.request_token(x)
    xmock.access_token(x)
    out, err, code = run_command("newsbot")
    assert code == 0
    assert out.startswith(
        "Open this URL, sign in to the botauth SANDBOX (a fake X) as the bot and approve:"
    )
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED


def test_verbosity_0_prints_only_what_the_person_acts_on(x, db):
    account = make_linked("quiet")
    xmock.request_token(x)
    xmock.access_token(x)
    out, err, code = run_command("quiet", "--verbosity", "0")
    assert (code, err) == (0, "")
    assert out == (
        "Open this URL, sign in to X as the bot and approve:\n\n"
        f"  {AUTHORIZE_URL}&screen_name=twitterapi\nPIN: "
    )
    account.refresh_from_db()
    assert account.twitter_access_token == xmock.ACCESS_TOKEN


def test_verbosity_2_prints_what_was_stored_in_a_fixed_order(account, x):
    xmock.request_token(x)
    xmock.access_token(x)
    out, err, code = run_command("newsbot", "--verbosity", "2")
    assert code == 0
    account.refresh_from_db()
    assert out.splitlines()[-5:] == [
        "PIN: Linked newsbot to @twitterapi",
        f"  X user id     {xmock.USER_ID}",
        "  X handle      @twitterapi",
        "  access level  not reported by X",
        f"  linked at     {account.linked_at.isoformat()}",
    ]
