"""On a large list the lead selects rows for an action with the admin's own checkboxes: the header's
box selects the whole page and the action bar counts them; clearing one row clears the header's
box."""

import pytest
from playwright.sync_api import expect

from accounts.models import Customer
from tests.factories import make_customer, make_item, make_platform

pytestmark = pytest.mark.browser
ROWS = 12


def test_the_header_checkbox_selects_every_row_of_the_page(page, live_server, login, transactional_db):
    platform = make_platform()
    buyer = make_customer(platform=platform, kind=Customer.Kind.BUYER)
    seller = make_customer(platform=platform, kind=Customer.Kind.SELLER)
    for _ in range(ROWS):
        make_item(buyer=buyer, seller=seller)
    login(page, live_server, "lead")
    page.goto(f"{live_server.url}/payments/item/")
    rows = page.locator('#result_list input.action-select[name="_selected_action"]')
    expect(rows).to_have_count(ROWS)

    page.get_by_label("Select all objects on this page for an action").check()
    for index in range(ROWS):
        expect(rows.nth(index)).to_be_checked()
    expect(page.locator(".action-counter")).to_have_text(f"{ROWS} of {ROWS} selected")
    expect(page.locator("#result_list tbody tr.selected")).to_have_count(ROWS)

    rows.nth(3).uncheck()
    expect(page.get_by_label("Select all objects on this page for an action")).not_to_be_checked()
    expect(page.locator(".action-counter")).to_have_text(f"{ROWS - 1} of {ROWS} selected")
