"""Headless Debian Chromium driven by Playwright, for the end-to-end tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from botauth.models import BotAccount

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "browser"
# As this machine's own probe starts it: no sandbox (root), no calls home on a closed network.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_or_skip() -> None:
    reason = ""
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        reason = "Debian's chromium is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install -r requirements.txt)"
    if reason:
        if os.environ.get("BOTAUTH_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests required but {reason}")
        pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between page actions are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page: Any, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Any, site: str) -> None:
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "e2e-password")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def add_account(page: Any, site: str, name: str) -> BotAccount:
    from botauth.models import BotAccount

    page.goto(f"{site}/admin/botauth/botaccount/add/")
    page.fill("#id_name", name)
    page.click("input[name=_continue]")
    page.wait_for_selector("#botauth-link")
    return BotAccount.objects.get(name=name)
