"""Linking a bot with OAuth 2.0 in headless Chromium: the admin, the sandbox's consent, back."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from botauth.models import BotAccount
from botauth_sandbox.keys import derive_oauth2_client
from botauth_sandbox.models import OAuth2Token, SandboxApp
from botauth_sandbox.oauth2 import tokens
from tests.browser import add_account, log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server, settings, transactional_db):
    from django.contrib.auth.models import User

    settings.BOTAUTH_X_API_URL = f"{live_server.url}/sandbox"
    settings.SANDBOX_PROVISION_OAUTH2_CLIENT = True
    settings.TWITTER_CLIENT_ID, settings.TWITTER_CLIENT_SECRET = derive_oauth2_client(
        settings.SECRET_KEY
    )
    # The OAuth 1.0a pair of tests/settings.py, known to the sandbox too: both protocols are on.
    SandboxApp.objects.create(
        name="botauth e2e",
        key=settings.TWITTER_CONSUMER_API_KEY,
        secret=settings.TWITTER_CONSUMER_API_KEY_SECRET,
    )
    User.objects.create_superuser("admin", password="e2e-password")
    return live_server.url


def test_link_a_bot_with_oauth2_verify_it_and_unlink_it(page, site):
    log_in(page, site)
    account = add_account(page, site, "o2e2ebot")
    assert page.inner_text("#botauth-link-other") == "LINK WITH OAUTH 1.0A INSTEAD"
    page.click("#botauth-link")
    page.wait_for_selector("#consent-form")
    assert "SANDBOX" in page.content()
    assert "(OAuth 2.0)" in page.content()
    assert "offline.access" in page.inner_text("#scopes")
    page.fill("#username", "e2e_o2bot")
    screenshot(page, "oauth2-1-consent")
    page.click("#authorize")
    page.wait_for_selector(".messagelist")
    screenshot(page, "oauth2-2-linked")
    assert page.inner_text(".messagelist") == "Linked @e2e_o2bot"
    assert page.inner_text("#botauth-link") == "RE-LINK WITH X"
    assert "OAuth 2.0" in page.inner_text(".field-protocol")
    assert "offline.access" in page.inner_text(".field-scopes")
    assert "(in 1" in page.inner_text(".field-access_token_expiry")

    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.protocol == BotAccount.Protocol.OAUTH2
    assert account.twitter_username == "e2e_o2bot"
    issued = OAuth2Token.objects.get()
    assert issued.access_digest == tokens.digest(account.twitter_access_token)
    assert issued.refresh_digest == tokens.digest(account.twitter_refresh_token)
    html = page.content()
    assert account.twitter_access_token not in html
    assert account.twitter_refresh_token not in html

    out = StringIO()
    call_command("verify_bot_tokens", "o2e2ebot", stdout=out)
    assert "valid" in out.getvalue()
    assert "oauth2 until" in out.getvalue()

    page.click("#botauth-unlink")
    page.click("input[type=submit]")
    page.wait_for_selector(".messagelist")
    screenshot(page, "oauth2-3-unlinked")
    assert "X revoked its token" in page.inner_text(".messagelist")
    issued.refresh_from_db()
    assert issued.revoked
    account.refresh_from_db()
    assert (account.status, account.twitter_access_token) == (BotAccount.Status.UNLINKED, "")


def test_cancel_on_the_oauth2_consent_links_nothing(page, site):
    log_in(page, site)
    account = add_account(page, site, "o2denied")
    page.click("#botauth-link")
    page.wait_for_selector("#cancel")
    page.click("#cancel")
    page.wait_for_selector(".messagelist")
    assert "Authorization was cancelled on X" in page.inner_text(".messagelist")
    account.refresh_from_db()
    assert (account.status, account.twitter_oauth_token) == (BotAccount.Status.UNLINKED, "")
    assert not OAuth2Token.objects.exists()


def test_the_other_button_links_with_oauth1(page, site):
    log_in(page, site)
    account = add_account(page, site, "o1fromboth")
    page.click("#botauth-link-other")
    page.wait_for_selector("#authorize")
    page.fill("input[name=username]", "e2e_o1bot")
    page.click("#authorize")
    page.wait_for_selector(".messagelist")
    assert page.inner_text(".messagelist") == "Linked @e2e_o1bot"
    account.refresh_from_db()
    assert account.protocol == BotAccount.Protocol.OAUTH1
    assert account.twitter_access_token_secret != ""
