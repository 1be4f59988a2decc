"""botauth's logger: what a link, an unlink and a verification log, and never a secret.

The contract (docs/security.md, "Logging"): botauth's own lines never hold a token, at any
level. The OAuth libraries' DEBUG lines do (botauth leaves their loggers as the project set
them); botauth.log.RedactSecrets on a handler blanks them.
"""

from __future__ import annotations

import io
import logging

import pytest
import requests
from django.core.management import CommandError, call_command
from django.urls import reverse

from botauth.log import RedactSecrets, redact
from botauth.models import BotAccount
from tests import spec, xmock
from tests.logs import assert_no_secret_logged, captured, is_botauths, secrets_in, text_of

SECRETS = [
    xmock.REQUEST_SECRET,
    xmock.ACCESS_SECRET,
    xmock.ACCESS_TOKEN,
    xmock.VERIFIER,
    "test-consumer-secret",
]


def botauth_lines(records: list[logging.LogRecord]) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in records if is_botauths(r)]


def link(staff_client, account, x) -> None:
    xmock.request_token(x)
    xmock.access_token(x)
    staff_client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))
    staff_client.get(
        reverse("botauth:authenticate_twitter_callback"),
        {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER},
    )


def test_a_link_a_verification_and_an_unlink_log_one_line_each(staff_client, account, x):
    with captured() as records:
        link(staff_client, account, x)
        xmock.users_me(x)
        call_command("verify_bot_tokens", stdout=io.StringIO())
        x.post(xmock.INVALIDATE_URL, json={"access_token": xmock.ACCESS_TOKEN})
        staff_client.post(reverse("admin:botauth_botaccount_unlink", args=[account.pk]))

    assert botauth_lines(records) == [
        (
            logging.INFO,
            f"Linked bot account 'newsbot' to X account @{xmock.SCREEN_NAME} "
            f"(user id {xmock.USER_ID}, access level not reported).",
        ),
        (logging.DEBUG, f"Verified bot account 'newsbot' (@{xmock.SCREEN_NAME}): valid"),
        (logging.INFO, "Verified bot accounts with X: 1 valid; X calls: 1."),
        (
            logging.INFO,
            f"Unlinked bot account 'newsbot' (@{xmock.SCREEN_NAME}); X revoked its token.",
        ),
    ]
    assert all(r.name == "botauth" for r in records if is_botauths(r))
    assert_no_secret_logged(records, SECRETS)
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert len(x.calls) == 4


def test_x_unreachable_is_a_warning_naming_the_bot(linked, x):
    x.get(xmock.USERS_ME_URL, body=requests.ConnectionError("refused"))
    with captured() as records, pytest.raises(CommandError, match="1 of 1 not valid: 1 error"):
        call_command("verify_bot_tokens", stdout=io.StringIO(), stderr=io.StringIO())

    warnings = [line for line in botauth_lines(records) if line[0] == logging.WARNING]
    assert warnings == [
        (
            logging.WARNING,
            f"Verified bot account 'linkedbot' (@{xmock.SCREEN_NAME}): error "
            "(X could not be reached: ConnectionError)",
        )
    ]
    assert len(x.calls) == 3  # retried twice
    linked.refresh_from_db()
    assert linked.last_verification == BotAccount.Verification.ERROR


def test_an_unlink_x_does_not_confirm_is_a_warning(staff_client, linked, x):
    x.post(xmock.INVALIDATE_URL, body=requests.ConnectionError("refused"))
    with captured() as records:
        staff_client.post(reverse("admin:botauth_botaccount_unlink", args=[linked.pk]))

    assert botauth_lines(records) == [
        (
            logging.WARNING,
            f"Unlinked bot account 'linkedbot' (@{xmock.SCREEN_NAME}) and forgot its token, but X "
            "did not confirm the revocation (X did not answer).",
        )
    ]
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.UNLINKED
    assert linked.twitter_access_token == ""


def test_a_link_x_refuses_is_a_warning_and_changes_nothing(staff_client, account, x):
    xmock.oauth_error(x, xmock.REQUEST_TOKEN_URL, status=401)
    with captured() as records:
        response = staff_client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))

    assert response.status_code == 302
    [(level, message)] = botauth_lines(records)
    assert level == logging.WARNING
    assert message.startswith(
        "Could not start linking bot account 'newsbot' with X: X refused the request (401) "
        "while getting a request token"
    )
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert account.twitter_oauth_token == ""


def test_the_whole_flow_at_debug_logs_no_secret_through_redact_secrets(staff_client, account, x):
    xmock.users_me(x)
    xmock.users_me(x)
    with captured() as records:
        link(staff_client, account, x)
        account.refresh_from_db()
        account.get_tweepy_client().get_me(user_auth=True)
        call_command("verify_bot_tokens", stdout=io.StringIO())

    # The risk docs/security.md states: the OAuth libraries' own DEBUG lines carry the bot's
    # token and the verifier; without this, the filter below could be proving nothing.
    leaked = secrets_in(records, SECRETS)
    assert leaked[xmock.ACCESS_TOKEN].startswith("requests_oauthlib")
    assert leaked[xmock.VERIFIER].startswith(("requests_oauthlib", "oauthlib"))
    assert_no_secret_logged(records, SECRETS)
    assert account.status == BotAccount.Status.LINKED
    assert len(x.calls) == 4


def test_redact_secrets_on_a_handler_blanks_a_child_loggers_line():
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign,assignment]
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger("requests_oauthlib.oauth1_auth")
    logger.addHandler(handler)
    try:
        logger.warning(
            "Updated headers: %s", {"Authorization": f'OAuth oauth_token="{xmock.ACCESS_TOKEN}"'}
        )
    finally:
        logger.removeHandler(handler)
    assert [text_of(r) for r in records] == [
        "WARNING requests_oauthlib.oauth1_auth Updated headers: "
        "{'Authorization': 'OAuth oauth_token=\"[redacted]\"'}"
    ]


REDACTED = [
    pytest.param(
        f'OAuth oauth_consumer_key="key", oauth_token="{xmock.ACCESS_TOKEN}", '
        'oauth_signature="s%3D"',
        'OAuth oauth_consumer_key="key", oauth_token="[redacted]", oauth_signature="[redacted]"',
        id="oauth-header",
    ),
    pytest.param(
        f"/callback/?oauth_token=t&oauth_verifier={xmock.VERIFIER} HTTP/1.1",
        "/callback/?oauth_token=[redacted]&oauth_verifier=[redacted] HTTP/1.1",
        id="query-string",
    ),
    pytest.param(
        f"{{'oauth_token': '{xmock.ACCESS_TOKEN}', 'oauth_token_secret': "
        f"'{xmock.ACCESS_SECRET}', 'user_id': '{xmock.USER_ID}'}}",
        "{'oauth_token': '[redacted]', 'oauth_token_secret': '[redacted]', "
        f"'user_id': '{xmock.USER_ID}'}}",
        id="dict-repr",
    ),
    pytest.param(
        f"[('oauth_verifier', '{xmock.VERIFIER}'), ('oauth_version', '1.0')]",
        "[('oauth_verifier', '[redacted]'), ('oauth_version', '1.0')]",
        id="oauthlib-params",
    ),
    pytest.param(
        "POST&https%3A%2F%2Fapi.twitter.com%2Foauth%2Faccess_token&oauth_nonce%3D1%26"
        f"oauth_token%3D{xmock.REQUEST_TOKEN}%26oauth_verifier%3D{xmock.VERIFIER}",
        "POST&https%3A%2F%2Fapi.twitter.com%2Foauth%2Faccess_token&oauth_nonce%3D1%26"
        "oauth_token%3D[redacted]%26oauth_verifier%3D[redacted]",
        id="signature-base-string",
    ),
    pytest.param(
        '{"access_token":"AAA","refresh_token":"RRR","expires_in":7200}',
        '{"access_token":"[redacted]","refresh_token":"[redacted]","expires_in":7200}',
        id="json",
    ),
    pytest.param(
        "grant_type=authorization_code&code=CCC&code_verifier=VVV&client_id=cid",
        "grant_type=authorization_code&code=[redacted]&code_verifier=[redacted]&client_id=cid",
        id="form-body",
    ),
    pytest.param(
        "{'Authorization': 'Bearer AAA.bbb-ccc'}",
        "{'Authorization': 'Bearer [redacted]'}",
        id="bearer",
    ),
    pytest.param(
        "Invalid refresh token, OHJEcW5weGY5SXYyUVZlb0kxOUcxM1Rq, for client <OAuth2Client>.",
        "Invalid refresh token, [redacted], for client <OAuth2Client>.",
        id="oauthlib-prose",
    ),
    pytest.param(
        "<Client client_key=key, resource_owner_key=RO-KEY, verifier=VVV>",
        "<Client client_key=key, resource_owner_key=[redacted], verifier=[redacted]>",
        id="oauthlib-client-repr",
    ),
]


@pytest.mark.parametrize(("logged", "written"), REDACTED)
def test_redact_blanks_each_form_the_oauth_libraries_log(logged, written):
    assert redact(logged) == written


@pytest.mark.parametrize(
    "kept",
    [
        "X refused the request (401) while getting a request token: Could not authenticate you "
        "(code 32).",
        '{"errors": [{"code": 89, "message": "Invalid or expired token."}]}',
        "status_code=401 pagination_token=abc grant_type=refresh_token",
        "X sent an access token or secret that is empty, too long or not printable",
        "Linked bot account 'newsbot' to X account @twitterapi (user id 6253282).",
    ],
)
def test_redact_leaves_what_is_not_a_secret(kept):
    assert redact(kept) == kept


def test_redact_secrets_rewrites_arguments_and_exceptions():
    try:
        raise ValueError(f"bad answer: oauth_token_secret={xmock.ACCESS_SECRET}")
    except ValueError:
        record = logging.getLogger("tweepy").makeRecord(
            "tweepy",
            logging.DEBUG,
            __file__,
            1,
            "Body: %s",
            (f"oauth_token={xmock.ACCESS_TOKEN}",),
            exc_info=__import__("sys").exc_info(),
        )
    assert RedactSecrets().filter(record) is True
    text = text_of(record)
    assert text.startswith("DEBUG tweepy Body: oauth_token=[redacted]\nTraceback")
    assert text.endswith("ValueError: bad answer: oauth_token_secret=[redacted]")
    assert xmock.ACCESS_TOKEN not in text and xmock.ACCESS_SECRET not in text


def test_a_run_with_nothing_to_verify_logs_nothing(db, x):
    # Cron runs it hourly with --stale-after: a run that checked nothing says nothing.
    with captured() as records:
        call_command("verify_bot_tokens", stdout=io.StringIO())
    assert botauth_lines(records) == []
    assert len(x.calls) == 0
    assert not BotAccount.objects.exists()


def test_x_s_words_in_a_warning_are_one_line_and_redacted(staff_client, account, x):
    hostile = {"errors": [{"code": 32, "message": "bad\nWARNING forged line oauth_token=abc123"}]}
    spec.validate_v1_errors(hostile)
    x.post(xmock.REQUEST_TOKEN_URL, json=hostile, status=401)
    with captured() as records:
        staff_client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))
    [(level, message)] = botauth_lines(records)
    assert level == logging.WARNING
    assert "\n" not in message
    assert message.endswith("bad WARNING forged line oauth_token=[redacted] (code 32).")
    account.refresh_from_db()
    assert account.twitter_oauth_token == ""
