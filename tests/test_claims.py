"""Overlapping verification runs share the accounts (botauth.claims), on any database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from botauth.models import BotAccount
from botauth.verification import verify_accounts
from tests import xmock
from tests.helpers import as_itself, call, make_linked, oauth_token_of


def make_many(count: int) -> list[BotAccount]:
    return [make_linked(f"bot{n:02}", user_id=str(1000 + n), username="same") for n in range(count)]


def held_by(run: str, *accounts: BotAccount, until: timedelta = timedelta(minutes=10)) -> None:
    BotAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(
        verify_claim=run, verify_claimed_until=timezone.now() + until
    )


def test_accounts_another_run_holds_are_left_to_it(db, x):
    accounts = make_many(5)
    held_by("otherrun0123456789abcdef01234567", accounts[1], accounts[3])
    x.add_callback("GET", xmock.USERS_ME_URL, callback=as_itself("same"))
    tally = verify_accounts(BotAccount.objects.all(), concurrency=2)
    assert tally == {"valid": 3}
    assert (tally.elsewhere, tally.x_calls) == (2, 3)
    assert sorted(oauth_token_of(c.request) for c in x.calls) == [
        "1000-accesstokenbot00",
        "1002-accesstokenbot02",
        "1004-accesstokenbot04",
    ]
    held = BotAccount.objects.filter(pk__in=[accounts[1].pk, accounts[3].pk])
    assert {(a.verify_claim, a.last_verified_at) for a in held} == {
        ("otherrun0123456789abcdef01234567", None)
    }
    assert BotAccount.objects.filter(verify_claim="").count() == 3


def test_an_expired_claim_is_taken_over(db, x):
    (account,) = make_many(1)
    held_by("crashedrun", account, until=-timedelta(seconds=1))
    x.add_callback("GET", xmock.USERS_ME_URL, callback=as_itself("same"))
    tally = verify_accounts(BotAccount.objects.all(), concurrency=1)
    assert (tally, tally.elsewhere) == ({"valid": 1}, 0)
    account.refresh_from_db()
    assert (account.verify_claim, account.verify_claimed_until) == ("", None)
    assert account.last_verification == "valid"


def test_accounts_another_run_verified_since_this_one_started_are_not_checked_again(db, x):
    accounts = make_many(20)  # more than one claim: 16 at a time
    x.add_callback("GET", xmock.USERS_ME_URL, callback=as_itself("same"))
    verified_elsewhere: list[datetime] = []

    def another_run_verifies_the_last(outcome) -> None:
        if not verified_elsewhere:
            verified_elsewhere.append(timezone.now())
            BotAccount.objects.filter(pk=accounts[-1].pk).update(
                last_verified_at=verified_elsewhere[0]
            )

    tally = verify_accounts(
        BotAccount.objects.all(), concurrency=1, on_outcome=another_run_verifies_the_last
    )
    assert (sum(tally.values()), tally.elsewhere, len(x.calls)) == (19, 1, 19)
    accounts[-1].refresh_from_db()
    assert accounts[-1].last_verified_at == verified_elsewhere[0]
    assert accounts[-1].last_verification == ""


def test_a_run_releases_every_claim_even_when_cut_short(db, x):
    make_many(3)
    x.add_callback("GET", xmock.USERS_ME_URL, callback=as_itself("same"))

    def interrupted(outcome) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        verify_accounts(BotAccount.objects.all(), concurrency=1, on_outcome=interrupted)
    assert BotAccount.objects.exclude(verify_claim="").count() == 0
    assert BotAccount.objects.filter(verify_claimed_until__isnull=False).count() == 0


def test_an_account_unlinked_mid_run_is_released_too(db, x):
    accounts = make_many(2)
    x.add_callback("GET", xmock.USERS_ME_URL, callback=as_itself("same"))

    def unlink_the_first(outcome) -> None:
        BotAccount.objects.filter(pk=accounts[0].pk).update(status=BotAccount.Status.UNLINKED)

    verify_accounts(BotAccount.objects.all(), concurrency=1, on_outcome=unlink_the_first)
    accounts[0].refresh_from_db()
    assert (accounts[0].status, accounts[0].verify_claim, accounts[0].last_verified_at) == (
        "unlinked",
        "",
        None,
    )


def test_the_command_says_what_it_left_to_another_run(db, x):
    accounts = make_many(3)
    held_by("otherrun", accounts[0])
    x.add_callback("GET", xmock.USERS_ME_URL, callback=as_itself("same"))
    out, err, code = call("verify_bot_tokens")
    assert code == 0
    assert out.splitlines()[-1] == "2 checked, 1 left to another run at the same time, 2 X calls."
    accounts[0].refresh_from_db()
    assert (accounts[0].verify_claim, accounts[0].last_verified_at) == ("otherrun", None)


def test_a_queryset_joining_another_table_can_be_claimed(db, x, staff):
    # On PostgreSQL, FOR UPDATE on the outer join's nullable side is an error: only accounts
    # are locked.
    accounts = make_many(2)
    BotAccount.objects.filter(pk=accounts[0].pk).update(linked_by=staff)
    x.add_callback("GET", xmock.USERS_ME_URL, callback=as_itself("same"))
    joined = BotAccount.objects.filter(Q(linked_by__isnull=True) | Q(linked_by__is_staff=True))
    tally = verify_accounts(joined, concurrency=1)
    assert (tally, tally.elsewhere) == ({"valid": 2}, 0)
    assert BotAccount.objects.filter(last_verification="valid", verify_claim="").count() == 2
