"""X's answers are checked before anything is stored (issue 9, item 7)."""

from __future__ import annotations

import pytest

from botauth import oauth
from botauth.exceptions import XRejectedError
from botauth.models import BotAccount
from tests import xmock
from tests.helpers import pending, skip_unless_postgres

CALLBACK = "/botauth/callback/"
APPROVED = {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER}
SECRET = xmock.ACCESS_SECRET


def answer(x, body: str) -> None:
    x.post(xmock.ACCESS_TOKEN_URL, body=body, content_type="application/x-www-form-urlencoded")


def assert_nothing_stored(account: BotAccount) -> None:
    account.refresh_from_db()
    assert account.status == BotAccount.Status.PENDING
    assert (account.twitter_access_token, account.twitter_access_token_secret) == ("", "")
    assert (account.twitter_user_id, account.twitter_username) == ("", "")
    assert account.linked_at is None


BAD_ANSWERS = [
    pytest.param(
        f"oauth_token=6253282-tok&oauth_token_secret={SECRET}&user_id=6253282"
        f"&screen_name={'a' * 51}",
        "a screen_name that is not 1 to 15 letters, digits or underscores",
        id="screen_name-too-long",
    ),
    pytest.param(
        f"oauth_token=6253282-tok&oauth_token_secret={SECRET}&user_id=6253282"
        "&screen_name=bot%00name",
        "a screen_name that is not 1 to 15 letters, digits or underscores",
        id="screen_name-nul",
    ),
    pytest.param(
        f"oauth_token=6253282-tok&oauth_token_secret={SECRET}&user_id=6253282"
        "&screen_name=%3Cscript%3E",
        "a screen_name that is not 1 to 15 letters, digits or underscores",
        id="screen_name-html",
    ),
    pytest.param(
        f"oauth_token=6253282-tok&oauth_token_secret={SECRET}&user_id=6253282",
        "a screen_name that is not 1 to 15 letters, digits or underscores",
        id="screen_name-missing",
    ),
    pytest.param(
        f"oauth_token=tok&oauth_token_secret={SECRET}&user_id=12a4&screen_name=bot",
        "a user_id that is not 1 to 19 digits",
        id="user_id-not-digits",
    ),
    pytest.param(
        f"oauth_token=tok&oauth_token_secret={SECRET}&user_id={'1' * 20}&screen_name=bot",
        "a user_id that is not 1 to 19 digits",
        id="user_id-too-long",
    ),
    pytest.param(
        f"oauth_token=LfkdKVsHBUn3JuN5zzyUsLlrGbkFVE9J9ZnPCpNq&oauth_token_secret={SECRET}"
        "&screen_name=bot",
        "no user_id, and an access token that does not start with one",
        id="no-user_id-no-prefix",
    ),
    pytest.param(
        f"oauth_token=111-tok&oauth_token_secret={SECRET}&user_id=222&screen_name=bot",
        "an access token that belongs to another user_id",
        id="prefix-mismatch",
    ),
    pytest.param(
        f"oauth_token=6253282-to%0Ak&oauth_token_secret={SECRET}&user_id=6253282&screen_name=bot",
        "an access token or secret that is empty, too long or not printable",
        id="token-control-character",
    ),
    pytest.param(
        f"oauth_token=6253282-{'t' * 300}&oauth_token_secret={SECRET}&user_id=6253282"
        "&screen_name=bot",
        "an access token or secret that is empty, too long or not printable",
        id="token-too-long",
    ),
    pytest.param(
        "oauth_token=6253282-tok&oauth_token_secret=&user_id=6253282&screen_name=bot",
        "an answer with no oauth_token_secret",
        id="secret-empty",
    ),
    pytest.param(
        f"oauth_token=6253282-tok&oauth_token_secret={SECRET}&user_id=6253282"
        "&user_id=1&screen_name=bot",
        "an answer with a repeated parameter",
        id="repeated-user_id",
    ),
    pytest.param(
        f"oauth_token=6253282-tok&oauth_token_secret={SECRET}&junk={'j' * 5000}",
        "an answer that is not an OAuth token",
        id="huge",
    ),
]


@pytest.mark.parametrize(("body", "problem"), BAD_ANSWERS)
def test_a_bad_access_token_answer_is_refused_and_nothing_is_stored(
    staff, staff_client, account, x, body, problem
):
    pending(account, staff)
    answer(x, body)
    response = staff_client.get(CALLBACK, APPROVED)
    assert response.status_code == 400
    content = response.content.decode()
    assert f"X sent {problem} while exchanging the verifier" in content
    assert "<script>" not in content
    assert len(x.calls) == 1
    assert_nothing_stored(account)


@pytest.mark.postgres
def test_a_nul_byte_from_x_is_refused_before_postgresql_sees_it(staff, staff_client, account, x):
    skip_unless_postgres("NUL bytes crash only PostgreSQL")
    pending(account, staff)
    answer(
        x,
        f"oauth_token=6253282-tok&oauth_token_secret={SECRET}&user_id=6253282"
        "&screen_name=bot%00name",
    )
    response = staff_client.get(CALLBACK, APPROVED)
    assert response.status_code == 400
    assert "a screen_name that is not 1 to 15" in response.content.decode()
    assert_nothing_stored(account)


def test_the_user_id_comes_from_the_token_only_with_a_digits_prefix():
    grant = oauth.checked_grant(
        token="6253282-abc", secret="s", user_id="", screen_name="bot", doing="testing"
    )
    assert grant.user_id == "6253282"
    with pytest.raises(XRejectedError, match="does not start with one"):
        oauth.checked_grant(
            token="abc-6253282", secret="s", user_id="", screen_name="bot", doing="testing"
        )


def test_a_refused_answer_never_quotes_the_values():
    with pytest.raises(XRejectedError) as info:
        oauth.checked_grant(
            token="6253282-abc",
            secret="topsecret",
            user_id="6253282",
            screen_name="<b>\x00evil",
            doing="testing",
        )
    assert "evil" not in str(info.value)
    assert "topsecret" not in str(info.value)
