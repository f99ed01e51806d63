"""Browser tests: a real headless Chromium (Debian's) driven by Playwright against pytest-django's
live server. Skipped on a machine without Chromium; in CI (`CI=true`) a missing browser fails."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import PASSWORD, authenticator_code, authenticator_of, require_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]

# Playwright's sync API runs an asyncio event loop in the test thread, and Django refuses
# database calls from a thread with a running loop. Here the loop only drives the browser and
# every database call is synchronous, so telling Django it is safe is true.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser() -> Browser:
    require_service("Chromium", CHROMIUM.exists())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Page:
    """A fresh browser context (no cookies) and page for each test."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def login(staff):
    """`login(page, live_server, "ops")`: opens the console, which sends a stranger to its login
    form, and signs in there as that demo person (see `staff`); with the right password, types
    the code their authenticator app shows now (worked out from its key; the person gets one if
    they have none) at the second step, and waits for the dashboard."""

    def log_in(page: Page, live_server, username: str, *, password: str = PASSWORD) -> None:
        authenticator = authenticator_of(staff[username])
        page.goto(f"{live_server.url}/")
        expect(page).to_have_url(f"{live_server.url}/login/?next=/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        if password == PASSWORD:
            expect(page).to_have_url(f"{live_server.url}/login/code/?next=%2F")
            page.get_by_label("Code from your authenticator app").fill(authenticator_code(authenticator))
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page).to_have_url(f"{live_server.url}/")

    return log_in
