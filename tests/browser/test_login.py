"""Signing in and finding a customer, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Customer
from tests.factories import make_bank_account, make_customer

pytestmark = pytest.mark.browser

DASHBOARD_TITLE = re.compile(r"Site administration \| Ops Console")
LOGIN_ERROR = "Please enter the correct username and password for a staff account."


@pytest.fixture
def seller(transactional_db):
    seller = make_customer(kind=Customer.Kind.SELLER, email="maria.rossi@ceramics.example.com")
    make_bank_account(customer=seller, account_number="064000123456789")
    return seller


def sidebar(page):
    return page.locator("#nav-sidebar-apps")


def test_ops_signs_in_and_finds_a_customer_from_the_sidebar(page, live_server, login, seller):
    login(page, live_server, "ops")
    expect(page).to_have_title(DASHBOARD_TITLE)

    sidebar(page).get_by_role("link", name="Customers").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/customer/")
    page.get_by_role("link", name=seller.email).click()

    expect(page).to_have_url(f"{live_server.url}/accounts/customer/{seller.pk}/change/")
    expect(page.locator(".readonly", has_text=seller.email)).to_be_visible()
    bank_accounts = page.get_by_role("table", name="Bank accounts")
    expect(bank_accounts.get_by_role("link", name="••••6789")).to_be_visible()
    assert "064000123456789" not in page.content()


def test_nobody_sees_no_customers_and_is_refused_the_customer_page(page, live_server, login, seller):
    login(page, live_server, "nobody")
    expect(page).to_have_title(DASHBOARD_TITLE)
    expect(sidebar(page).get_by_role("link", name="Customers")).to_have_count(0)

    response = page.goto(f"{live_server.url}/accounts/customer/{seller.pk}/change/")
    assert response.status == 403
    expect(page.locator("body")).not_to_contain_text(seller.email)


def test_a_wrong_password_shows_the_login_error(page, live_server, login):
    login(page, live_server, "ops", password="not-the-password")
    expect(page.locator(".errornote", has_text=LOGIN_ERROR)).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
