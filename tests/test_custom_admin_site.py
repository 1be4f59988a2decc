"""botauth in a project whose admin is its own AdminSite ("ops", at /ops/), not admin.site."""

from __future__ import annotations

import pytest
import requests
from django.contrib import admin
from django.contrib.auth.models import Permission
from pytest_django.asserts import assertContains, assertNotContains

from botauth import sites
from botauth.models import BotAccount
from tests import xmock
from tests.custom_admin_urls import site as ops_site

LINK = "/botauth/link/{pk}/"
CALLBACK = "/botauth/callback/"
OPS_CHANGE = "/ops/botauth/botaccount/{pk}/change/"


def approve(client, account: BotAccount, x):
    xmock.request_token(x)
    xmock.access_token(x)
    started = client.post(LINK.format(pk=account.pk))
    assert started.status_code == 302
    assert started["Location"].startswith(f"{xmock.API}/oauth/authorize?")
    return client.get(
        CALLBACK, {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER}
    )


@pytest.mark.urls("tests.custom_admin_urls")
def test_the_site_that_shows_bot_accounts_is_found():
    assert sites.bot_admin_site() is ops_site


@pytest.mark.urls("tests.custom_admin_urls")
def test_a_link_comes_back_to_the_custom_sites_page(staff_client, account, x):
    response = approve(staff_client, account, x)
    assert response.status_code == 302
    assert response["Location"] == OPS_CHANGE.format(pk=account.pk)
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_username == xmock.SCREEN_NAME


@pytest.mark.urls("tests.custom_admin_urls")
def test_a_start_x_refuses_returns_to_the_custom_sites_page(staff_client, account, x):
    xmock.oauth_error(x, xmock.REQUEST_TOKEN_URL, status=401)
    response = staff_client.post(LINK.format(pk=account.pk))
    assert response.status_code == 302
    assert response["Location"] == OPS_CHANGE.format(pk=account.pk)
    account.refresh_from_db()
    assert account.twitter_oauth_token == ""


@pytest.mark.urls("tests.custom_admin_urls")
def test_the_error_page_is_the_custom_sites_with_its_links(staff_client, account, x):
    response = staff_client.get(CALLBACK, {"oauth_token": "unknown", "oauth_verifier": "v"})
    assert response.status_code == 400
    assertContains(response, "Bot operations", status_code=400)
    assertNotContains(response, admin.site.site_header, status_code=400)
    assertContains(
        response,
        '<a href="/ops/botauth/botaccount/" id="botauth-back">Back to bot accounts</a>',
        html=True,
        status_code=400,
    )
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED


@pytest.mark.urls("tests.custom_admin_urls")
def test_the_error_page_links_back_to_the_bot_on_the_custom_site(staff_client, account, x):
    make_linked_elsewhere = BotAccount.objects.create(
        name="firstbot",
        status=BotAccount.Status.LINKED,
        twitter_access_token="other-token",
        twitter_access_token_secret="other-secret",
        twitter_user_id=xmock.USER_ID,
        twitter_username=xmock.SCREEN_NAME,
    )
    response = approve(staff_client, account, x)
    assert response.status_code == 409
    assertContains(
        response,
        f'<a href="{OPS_CHANGE.format(pk=account.pk)}" id="botauth-back">Back to “newsbot”</a>',
        html=True,
        status_code=409,
    )
    account.refresh_from_db()
    assert account.twitter_user_id == ""
    make_linked_elsewhere.refresh_from_db()
    assert make_linked_elsewhere.twitter_username == xmock.SCREEN_NAME


@pytest.mark.urls("tests.custom_admin_urls")
def test_the_custom_sites_model_admin_decides_who_may_link(staff_client, db, x):
    locked = BotAccount.objects.create(name="locked")
    response = staff_client.post(LINK.format(pk=locked.pk))
    assert response.status_code == 403
    assert len(x.calls) == 0
    locked.refresh_from_db()
    assert locked.twitter_oauth_token == ""


# Both sites included: the model admin's own pages stay on the site they were opened on.


@pytest.mark.urls("tests.two_admins_urls")
def test_unlink_on_the_custom_site_stays_on_it(staff_client, linked, x):
    page = staff_client.get(f"/ops/botauth/botaccount/{linked.pk}/unlink/")
    assertContains(page, '<a href="/ops/">Home</a>', html=True)
    assertContains(page, f'href="{OPS_CHANGE.format(pk=linked.pk)}" class="closelink"')
    assertNotContains(page, 'href="/admin/')

    x.post(xmock.INVALIDATE_URL, json={"access_token": xmock.ACCESS_TOKEN})
    response = staff_client.post(f"/ops/botauth/botaccount/{linked.pk}/unlink/")
    assert response.status_code == 302
    assert response["Location"] == OPS_CHANGE.format(pk=linked.pk)
    linked.refresh_from_db()
    assert linked.status == BotAccount.Status.UNLINKED


@pytest.mark.urls("tests.two_admins_urls")
def test_verify_now_on_the_custom_site_stays_on_it(staff_client, linked, x):
    xmock.users_me(x)
    response = staff_client.post(f"/ops/botauth/botaccount/{linked.pk}/verify/")
    assert response.status_code == 302
    assert response["Location"] == OPS_CHANGE.format(pk=linked.pk)
    linked.refresh_from_db()
    assert linked.last_verification == BotAccount.Verification.VALID


@pytest.mark.urls("tests.two_admins_urls")
def test_save_and_link_on_the_custom_site_returns_to_it_when_x_fails(staff, staff_client, x):
    staff.user_permissions.add(Permission.objects.get(codename="add_botaccount"))
    x.post(xmock.REQUEST_TOKEN_URL, body=requests.ConnectionError("refused"))
    response = staff_client.post(
        "/ops/botauth/botaccount/add/", {"name": "newbot", "_savelink": "1"}
    )
    account = BotAccount.objects.get(name="newbot")
    assert response.status_code == 302
    assert response["Location"] == OPS_CHANGE.format(pk=account.pk)
    assert account.status == BotAccount.Status.UNLINKED


@pytest.mark.urls("tests.two_admins_urls")
def test_botauths_own_pages_prefer_the_default_site_when_both_show_bots():
    assert sites.bot_admin_site().name == admin.site.name == "admin"
