"""An item's page on a 1,440 px screen with the sidebar open: the header still says which item is
open, its tasks are gathered in a menu that the keyboard opens and walks, and a task that cannot
apply to the item says why."""

import re

import pytest
from playwright.sync_api import expect

from payments.models import Disbursement, ItemState
from tests.factories import make_disbursement, make_item, make_item_fee

pytestmark = pytest.mark.browser


@pytest.fixture
def laptop_page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield context.new_page()
    context.close()


def test_an_item_page_names_the_item_and_offers_its_tasks_in_a_keyboard_menu(
        laptop_page, live_server, login, transactional_db):
    page = laptop_page
    item = make_item(state=ItemState.PAYMENT_DEPOSITED, external_id="bzr-itm-20417-bathroom")
    make_item_fee(item=item)
    login(page, live_server, "lead")
    page.goto(f"{live_server.url}/payments/item/{item.pk}/change/")

    name = page.locator("#header-inner h1").get_by_role("link", name="Item bzr-itm-20417-bathroom")
    expect(name).to_be_visible()
    assert name.evaluate("part => part.scrollWidth <= part.clientWidth"), "the item's name is cut short"

    toggle = page.get_by_role("button", name="Tasks")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    cancel = page.locator("[data-task=cancel-item]")
    expect(cancel).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(cancel).to_be_visible()
    expect(cancel).to_have_attribute("aria-disabled", "true")
    expect(cancel).to_contain_text("Item bzr-itm-20417-bathroom is payment deposited: only an item not yet paid for "
                                   "can be cancelled; a paid one needs a refund.")

    page.keyboard.press("ArrowDown")
    expect(cancel).to_be_focused()
    page.keyboard.press("Escape")
    expect(cancel).to_be_hidden()
    expect(toggle).to_be_focused()

    page.keyboard.press("ArrowDown")  # opens the menu at its first entry
    expect(cancel).to_be_focused()
    page.keyboard.press("End")
    remove_fee = page.get_by_role("link", name="Remove a seller fee from an item")
    expect(remove_fee).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tasks/remove-seller-fee/{item.pk}/$"))


def test_a_click_elsewhere_closes_the_menu(laptop_page, live_server, login, transactional_db):
    page = laptop_page
    item = make_item(state=ItemState.PAYMENT_HELD)
    login(page, live_server, "lead")
    page.goto(f"{live_server.url}/payments/item/{item.pk}/change/")
    page.get_by_role("button", name="Tasks").click()
    release = page.locator("#task-menu-items").get_by_role("link", name="Release an item's payment from risk review")
    expect(release).to_be_visible()
    page.locator("#explanations").click()
    expect(release).to_be_hidden()


def test_tasks_that_fit_stand_in_the_header_as_buttons(laptop_page, live_server, login, transactional_db):
    """One task beside the name leaves it whole: no menu to open."""
    page = laptop_page
    disbursement = make_disbursement(status=Disbursement.Status.FAILED)
    login(page, live_server, "lead")
    page.goto(f"{live_server.url}/payments/disbursement/{disbursement.pk}/change/")
    expect(page.locator("#header-inner").get_by_role("link", name="Retry a failed disbursement")).to_be_visible()
    expect(page.get_by_role("button", name="Tasks")).to_be_hidden()
