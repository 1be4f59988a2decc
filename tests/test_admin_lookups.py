"""No query string of the admin can compare a token or secret with a guess (issue 9, item 2)."""

from __future__ import annotations

import string

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from botauth.admin import BotAccountAdmin
from botauth.models import BotAccount

CHANGELIST = reverse("admin:botauth_botaccount_changelist")
ALPHABET = sorted(string.ascii_letters + string.digits + "-_")
TOKEN = "Nq7pendingRequestToken"
SECRET = "pendingrequestsecretvalue"
PRIVATE = [
    "twitter_oauth_token",
    "twitter_oauth_token_secret",
    "twitter_access_token",
    "twitter_access_token_secret",
]


@pytest.fixture
def viewer(db) -> Client:
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_botaccount"))
    client = Client()
    client.force_login(user)
    return client


def pending(name: str, token: str, *, by: User) -> BotAccount:
    return BotAccount.objects.create(
        name=name,
        status=BotAccount.Status.PENDING,
        twitter_oauth_token=token,
        twitter_oauth_token_secret=SECRET,
        link_started_by=by,
        link_started_at=timezone.now(),
    )


def listed(response) -> list[str]:
    if response.status_code != 200:
        return []
    return [account.name for account in response.context["cl"].result_list]


def binary_search(client: Client, *, name: str, field: str, length: int):
    """The attack as reported: grow a prefix by asking whether the token is >= each guess."""
    known, answers = "", []
    for _ in range(length):
        low, high = 0, len(ALPHABET) - 1
        while low < high:
            middle = (low + high + 1) // 2
            response = client.get(
                CHANGELIST, {"name": name, f"{field}__gte": known + ALPHABET[middle]}
            )
            answers.append((response.status_code, response.content))
            if name in listed(response):
                low = middle
            else:
                high = middle - 1
        known += ALPHABET[low]
    return known, answers


def stored(account: BotAccount) -> tuple[object, ...]:
    account = BotAccount.objects.get(pk=account.pk)
    return (
        account.status,
        account.twitter_oauth_token,
        account.twitter_oauth_token_secret,
        account.link_started_by_id,
        account.link_started_at,
        account.updated_at,
    )


def test_the_reported_binary_search_learns_nothing(viewer, staff):
    account = pending("bot9", TOKEN, by=staff)
    before = stored(account)
    guess, answers = binary_search(viewer, name="bot9", field="twitter_oauth_token", length=6)
    assert not TOKEN.startswith(guess[:1])
    assert {status for status, _ in answers} == {400}
    assert len({content for _, content in answers}) == 1
    assert stored(account) == before


def test_the_answers_are_the_same_whatever_the_token(viewer, staff):
    account = pending("bot9", TOKEN, by=staff)
    _, with_first = binary_search(viewer, name="bot9", field="twitter_oauth_token", length=3)
    BotAccount.objects.filter(pk=account.pk).update(twitter_oauth_token="zz" + TOKEN)
    _, with_second = binary_search(viewer, name="bot9", field="twitter_oauth_token", length=3)
    assert with_first == with_second
    assert BotAccount.objects.get(pk=account.pk).twitter_oauth_token == "zz" + TOKEN


def test_without_the_guard_the_same_search_finds_the_token(viewer, staff, monkeypatch):
    # Shows the search above is the real attack: Django's own lookup_allowed lets it through.
    monkeypatch.setattr(BotAccountAdmin, "lookup_allowed", django_admin.ModelAdmin.lookup_allowed)
    pending("bot9", TOKEN, by=staff)
    guess, _ = binary_search(viewer, name="bot9", field="twitter_oauth_token", length=6)
    assert guess == TOKEN[:6]


@pytest.mark.parametrize("field", PRIVATE)
@pytest.mark.parametrize(
    "lookup", ["", "__exact", "__gte", "__lt", "__startswith", "__regex", "__in", "__isnull"]
)
def test_every_lookup_on_a_private_field_is_refused(viewer, staff, field, lookup):
    account = pending("bot9", TOKEN, by=staff)
    before = stored(account)
    response = viewer.get(CHANGELIST, {f"{field}{lookup}": TOKEN[:3]})
    assert response.status_code == 400
    assert b"bot9" not in response.content
    assert stored(account) == before


@pytest.mark.parametrize(
    "lookup",
    [
        "link_started_by__password__startswith",
        "linked_by__botaccount__twitter_oauth_token",
        "pk__in",
    ],
)
def test_lookups_through_relations_reach_no_secret(viewer, staff, lookup):
    account = pending("bot9", TOKEN, by=staff)
    response = viewer.get(CHANGELIST, {lookup: "x"})
    assert response.status_code in (302, 400)
    assert b"bot9" not in response.content
    assert stored(account)[1] == TOKEN


def test_the_public_filters_still_work(viewer, staff):
    pending("bot9", TOKEN, by=staff)
    BotAccount.objects.create(name="idle")
    response = viewer.get(CHANGELIST, {"status__exact": "pending", "name": "bot9"})
    assert listed(response) == ["bot9"]
    assert viewer.get(CHANGELIST, {"status__exact": "unlinked"}).context["cl"].result_count == 1


def test_no_ordering_sorts_by_a_token(viewer, staff):
    first = pending("alpha", "aaaaTOKEN", by=staff)
    second = pending("omega", "zzzzTOKEN", by=staff)
    columns = len(BotAccountAdmin.list_display)
    orders = [str(i) for i in range(columns)] + [f"-{i}" for i in range(columns)]
    orders += ["twitter_oauth_token", "-twitter_oauth_token", "0.twitter_access_token"]

    def listings() -> list[list[str]]:
        return [listed(viewer.get(CHANGELIST, {"o": o})) for o in orders]

    before = listings()
    BotAccount.objects.filter(pk=first.pk).update(twitter_oauth_token="zzzzTOKEN")
    BotAccount.objects.filter(pk=second.pk).update(twitter_oauth_token="aaaaTOKEN")
    assert listings() == before
    assert all(sorted(names) == ["alpha", "omega"] for names in before)
    assert stored(first)[1] == "zzzzTOKEN"


def test_search_does_not_look_at_tokens(viewer, staff):
    account = pending("bot9", TOKEN, by=staff)
    for term in [TOKEN, TOKEN[:4], SECRET]:
        response = viewer.get(CHANGELIST, {"q": term})
        assert listed(response) == []
    assert stored(account)[1] == TOKEN


def test_to_field_cannot_name_a_token(viewer, staff):
    account = pending("bot9", TOKEN, by=staff)
    for field in PRIVATE:
        response = viewer.get(CHANGELIST, {"_to_field": field, "_popup": "1"})
        assert response.status_code == 400
    assert stored(account)[1] == TOKEN
