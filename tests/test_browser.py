"""The whole link flow in headless Chromium: the admin, the sandbox's consent page, back."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from botauth.models import BotAccount
from botauth_sandbox.models import SandboxApp
from tests.browser import add_account, log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server, settings, transactional_db):
    settings.BOTAUTH_X_API_URL = f"{live_server.url}/sandbox"
    settings.TWITTER_CONSUMER_API_KEY = "e2e-consumer-key"
    settings.TWITTER_CONSUMER_API_KEY_SECRET = "e2e-consumer-secret"
    SandboxApp.objects.create(
        name="botauth e2e", key="e2e-consumer-key", secret="e2e-consumer-secret"
    )
    User.objects.create_superuser("admin", password="e2e-password")
    return live_server.url


def test_link_a_bot_then_verify_it_and_post_as_it(page, site):
    log_in(page, site)
    account = add_account(page, site, "e2ebot")
    page.click("#botauth-link")
    page.wait_for_selector("#authorize")
    assert "SANDBOX" in page.content()
    page.fill("input[name=username]", "e2e_bot")
    screenshot(page, "1-sandbox-consent")
    page.click("#authorize")
    page.wait_for_selector(".messagelist")
    screenshot(page, "2-linked")
    assert "Linked @e2e_bot" in page.inner_text(".messagelist")
    assert page.inner_text("#botauth-link") == "RE-LINK WITH X"

    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_username == "e2e_bot"
    assert account.twitter_access_token.startswith(f"{account.twitter_user_id}-")
    assert account.twitter_oauth_token == ""
    assert account.twitter_access_token_secret not in page.content()

    out = StringIO()
    call_command("verify_bot_tokens", "e2ebot", stdout=out)
    assert "valid" in out.getvalue()
    assert account.get_tweepy_client().get_me(user_auth=True).data.username == "e2e_bot"
    account.refresh_from_db()
    assert account.last_verification == BotAccount.Verification.VALID
    assert account.access_level == "read-write"


def test_cancel_on_the_sandbox_says_so_and_links_nothing(page, site):
    log_in(page, site)
    account = add_account(page, site, "e2edenied")
    page.click("#botauth-link")
    page.wait_for_selector("#cancel")
    page.click("#cancel")
    page.wait_for_selector(".messagelist")
    screenshot(page, "3-cancelled")
    assert "Authorization was cancelled on X" in page.inner_text(".messagelist")
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert account.twitter_oauth_token == ""
    assert account.twitter_access_token == ""


def test_a_bad_signature_is_a_clear_error_in_the_admin(page, site, settings):
    log_in(page, site)
    account = add_account(page, site, "e2ebadsig")
    settings.TWITTER_CONSUMER_API_KEY_SECRET = "not-the-sandbox-secret"
    page.click("#botauth-link")
    page.wait_for_selector(".messagelist")
    screenshot(page, "4-bad-signature")
    message = page.inner_text(".messagelist")
    assert "Could not start linking “e2ebadsig” with X: X refused the request (401)" in message
    assert page.url.endswith(f"/admin/botauth/botaccount/{account.pk}/change/")
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert account.twitter_oauth_token == ""


def test_add_save_and_link_then_the_admin_says_what_is_true(page, site):
    log_in(page, site)
    page.goto(f"{site}/admin/botauth/botaccount/add/")
    assert page.locator("#botaccount_form input[type=text]").count() == 1  # only the name
    assert "linked after saving" in page.inner_text("#content-main")
    screenshot(page, "5-add-form")
    page.fill("#id_name", "e2esaveandlink")
    page.click("#botauth-save-and-link")
    page.wait_for_selector("#authorize")
    page.fill("input[name=username]", "e2e_saved")
    page.click("#authorize")
    page.wait_for_selector(".messagelist")
    screenshot(page, "6-saved-and-linked")
    said = page.inner_text(".messagelist")
    assert "The bot account “e2esaveandlink” was added successfully." in said
    assert "Linked @e2e_saved" in said
    content = page.inner_text("#content-main")
    for heading in ["X ACCOUNT", "LAST CHECK WITH X"]:
        assert heading in content.upper()
    assert "Not checked yet" in content
    assert "Not known yet: “Verify now” asks X" in content
    assert page.inner_text("#botauth-link") == "RE-LINK WITH X"

    account = BotAccount.objects.get(name="e2esaveandlink")
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_username == "e2e_saved"
    assert account.linked_by is not None
    assert account.linked_by.username == "admin"

    page.click("#botauth-verify")
    page.wait_for_selector(".messagelist")
    assert "Verified with X: 1 valid." in page.inner_text(".messagelist")
    assert "Read and write" in page.inner_text("#content-main")
    page.goto(f"{site}/admin/botauth/botaccount/")
    screenshot(page, "6b-changelist")
    row = page.inner_text("#result_list tbody tr")
    for shown in ["@e2e_saved", "Linked", "Valid", "Read and write"]:
        assert shown in row

    page.goto(f"{site}/admin/botauth/botaccount/{account.pk}/change/")
    page.click("#botauth-unlink")
    page.wait_for_selector("#botauth-unlink-confirm")
    screenshot(page, "7-unlink-confirm")
    assert "this is not a deletion" in page.inner_text("#content-main")
    page.click("#botauth-unlink-confirm")
    page.wait_for_selector(".messagelist")
    assert "Unlinked “e2esaveandlink”" in page.inner_text(".messagelist")

    page.goto(f"{site}/admin/botauth/botaccount/{account.pk}/history/")
    screenshot(page, "8-history")
    history = page.inner_text("#change-history")
    assert "Linked with X as @e2e_saved" in history
    assert "Verified with X: Valid." in history
    assert "Unlinked from @e2e_saved" in history
    account.refresh_from_db()
    assert account.status == BotAccount.Status.UNLINKED
    assert account.twitter_access_token == ""
