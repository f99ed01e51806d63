"""Paging through a customer's related records in a real browser: one table turns its page in
place, the others stay as they are."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Customer
from tests.factories import make_customer, make_item

pytestmark = pytest.mark.browser


@pytest.fixture
def trader(transactional_db):
    """A customer with twelve items sold and twelve bought."""
    customer = make_customer(kind=Customer.Kind.SELLER, email="ana.trader@example.com")
    for _ in range(12):
        make_item(seller=customer)
        make_item(buyer=customer)
    return customer


def test_ops_pages_through_the_items_a_customer_sold(page, live_server, login, trader):
    oldest_sold = trader.items_sold.order_by("id").first()
    newest_bought = trader.items_bought.order_by("-id").first()
    login(page, live_server, "ops")
    page.goto(f"{live_server.url}/accounts/customer/{trader.pk}/change/")
    sold = page.get_by_role("table", name="Items sold")
    bought = page.get_by_role("table", name="Items bought")
    expect(sold.get_by_role("row")).to_have_count(11)  # the header and ten items
    expect(sold.get_by_role("link", name=oldest_sold.external_id, exact=True)).to_have_count(0)

    page.evaluate("window.__notReloaded = true")
    page.locator("#related-items_sold").get_by_role("link", name="Next").click()

    expect(page).to_have_url(re.compile(r"\?items_sold-page=2$"))
    assert page.evaluate("window.__notReloaded") is True, "the table is swapped in, not the page reloaded"
    expect(sold.get_by_role("row")).to_have_count(3)
    expect(sold.get_by_role("link", name=oldest_sold.external_id, exact=True)).to_be_visible()
    expect(bought.get_by_role("link", name=newest_bought.external_id, exact=True)).to_be_visible()

    sold.get_by_role("link", name=oldest_sold.external_id, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/payments/item/{oldest_sold.pk}/change/")
