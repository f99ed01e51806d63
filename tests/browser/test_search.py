"""The search box on every page, in a real browser: straight to a batch from its reference,
a list for part of an email, and the command palette (Ctrl+K) as you type."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import Customer
from tests.factories import make_batch, make_customer, make_platform

pytestmark = pytest.mark.browser


@pytest.fixture
def findable(transactional_db):
    # unfold caches the palette's results per user id and term; ids repeat between tests.
    cache.clear()
    platform = make_platform(name="Ceramics Bazaar")
    return {
        "batch": make_batch(reference="B-60417"),
        "maria": make_customer(platform=platform, kind=Customer.Kind.SELLER, email="maria.rossi@ceramics.example.com"),
        "paolo": make_customer(platform=platform, kind=Customer.Kind.BUYER, email="paolo.rossi@kilns.example.com"),
    }


def search_box(page):
    return page.locator("#console-search-box").get_by_role("searchbox", name="Search")


def test_ops_types_a_batch_reference_and_lands_on_the_batch(page, live_server, login, findable):
    batch = findable["batch"]
    login(page, live_server, "ops")

    search_box(page).fill("B-60417")
    search_box(page).press("Enter")

    expect(page).to_have_url(f"{live_server.url}/batches/batch/{batch.pk}/change/")
    expect(page.locator("body")).to_contain_text("B-60417")


def test_ops_types_part_of_an_email_and_sees_both_customers(page, live_server, login, findable):
    login(page, live_server, "ops")

    search_box(page).fill("rossi@")
    search_box(page).press("Enter")

    expect(page).to_have_url(f"{live_server.url}/search/?q=rossi%40")
    customers = page.locator("section[data-kind=customer]")
    expect(customers).to_contain_text("Customers (2)")
    for customer in (findable["maria"], findable["paolo"]):
        expect(customers.get_by_role("link", name=str(customer))).to_have_attribute(
            "href", f"/accounts/customer/{customer.pk}/change/"
        )

    customers.get_by_role("link", name=str(findable["paolo"])).click()
    expect(page).to_have_url(f"{live_server.url}/accounts/customer/{findable['paolo'].pk}/change/")


def test_the_command_palette_finds_a_batch_as_you_type(page, live_server, login, findable):
    batch = findable["batch"]
    login(page, live_server, "ops")

    page.keyboard.press("Control+k")
    palette = page.locator("#search-input-command")
    expect(palette).to_be_focused()
    palette.press_sequentially("B-60417")

    result = page.locator("#command-results").get_by_role("link", name=re.compile(r"Batch B-60417"))
    expect(result).to_be_visible()
    result.click()
    expect(page).to_have_url(f"{live_server.url}/batches/batch/{batch.pk}/change/")


def test_nothing_found_says_so_in_the_browser(page, live_server, login, findable):
    login(page, live_server, "auditor")
    search_box(page).fill("no-such-thing-42")
    search_box(page).press("Enter")
    expect(page.locator("#search-nothing")).to_contain_text("Nothing matches “no-such-thing-42”.")
