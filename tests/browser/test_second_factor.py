"""Signing in with a second factor in a real browser, from the keyboard: a newcomer enrols with
the key shown on the page, typing the code an authenticator app works out from it, and is shown
their recovery codes; someone enrolled signs in with a code from their authenticator's key."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.conftest import PASSWORD, authenticator_code, authenticator_of
from tests.opsconsole.test_second_factor import wrong_code_for

pytestmark = pytest.mark.browser

DASHBOARD_TITLE = re.compile(r"Site administration \| Ops Console")


def type_password(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")


def asks_for_focus(field) -> None:
    """The field asks for the keyboard's focus (`autofocus`), and takes it. Headless Chromium
    now and then leaves an `autofocus` field unfocused when the page loads in a window without
    the focus, so the test gives the window's focus as a person's browser has it."""
    expect(field).to_have_attribute("autofocus", "")
    field.focus()
    expect(field).to_be_focused()


def test_a_newcomer_enrols_with_the_key_on_the_page_and_keeps_the_recovery_codes(page, live_server, staff):
    type_password(page, live_server, "lead")
    expect(page).to_have_url(f"{live_server.url}/login/enrol/?next=%2F")
    expect(page.get_by_role("img", name="QR code of the key for lead")).to_be_visible()

    key = page.locator("#authenticator-key").inner_text()
    code_field = page.get_by_label("Code from your authenticator app")
    asks_for_focus(code_field)
    page.keyboard.type(f"{totp(b32decode(key.replace(' ', ''))):06d}")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/login/recovery-codes/?next=%2F")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page).to_have_title(DASHBOARD_TITLE)

    page.reload()  # the codes were shown once
    expect(page).to_have_url(f"{live_server.url}/")


def test_someone_enrolled_signs_in_with_a_code_from_their_authenticators_key(page, live_server, staff):
    authenticator = authenticator_of(staff["ops"])
    type_password(page, live_server, "ops")
    expect(page).to_have_url(f"{live_server.url}/login/code/?next=%2F")
    asks_for_focus(page.get_by_label("Code from your authenticator app"))

    page.keyboard.type(wrong_code_for(staff["ops"]))
    page.keyboard.press("Enter")
    expect(page.locator(".errornote")).to_contain_text("That is not the code your authenticator app shows.")

    page.wait_for_timeout(1100)  # django-otp checks no code within a second of a wrong one
    page.get_by_label("Code from your authenticator app").fill(authenticator_code(authenticator))
    page.keyboard.press("Enter")
    expect(page).to_have_title(DASHBOARD_TITLE)
