"""Stored content is shown as text, never run, in a real browser: a ticket's subject, description
and note, a customer's and a platform's name, a payout hold's reason, a callback's payload and a
delivery's error, each holding markup that would run if it reached the page unescaped.

The content security policy would block these inline scripts anyway, so each page is checked
for the markup itself: no element made from the data, and the data shown literally."""

from urllib.parse import quote

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from accounts.models import Customer
from payments.models import Callback
from support.models import TicketMessage
from support.services.tickets import ticket_add_message
from tests.factories import make_callback, make_callback_delivery, make_customer, make_payout_hold, make_platform
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__pwned=1</script>"
IMAGE = '<img src=x onerror="window.__pwned=1">'

# Scripts the page would run (JSON data blocks hold text, and run nothing).
RUNNABLE_SCRIPT_MENTIONS_PWNED = """
[...document.scripts].some((script) =>
    ["", "text/javascript", "module"].includes(script.type) && script.textContent.includes("__pwned"))
"""


def assert_inert(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert not page.evaluate(RUNNABLE_SCRIPT_MENTIONS_PWNED)


@pytest.fixture
def stored(transactional_db, staff):
    cache.clear()  # unfold caches the palette's results per user id and term; ids repeat between tests
    platform = make_platform(name=f"Kilns {SCRIPT}")
    seller = make_customer(platform=platform, kind=Customer.Kind.SELLER, email="maria.rossi@ceramics.example.com",
                           first_name=SCRIPT, last_name=IMAGE)
    buyer = make_customer(platform=platform, email="paolo.rossi@kilns.example.com", first_name=IMAGE)
    make_payout_hold(customer=seller, reason=f"Chargebacks {SCRIPT} {IMAGE}")
    callback = make_callback(platform=platform, deliveries=0, status=Callback.Status.FAILING,
                             payload={"note": SCRIPT, "image": IMAGE})
    make_callback_delivery(callback=callback, response_status=None, error=f"Refused {IMAGE}")
    ticket = new_ticket(subject=f"Refund {SCRIPT}", description=f"Buyer wrote {IMAGE} {SCRIPT}",
                        requester_name=SCRIPT, assignee=staff["lead"])
    ticket_add_message(ticket=ticket, author=staff["lead"], visibility=TicketMessage.Visibility.INTERNAL,
                       body=f"Note {IMAGE} {SCRIPT}")
    return {"seller": seller, "buyer": buyer, "callback": callback, "ticket": ticket}


def test_a_ticket_shows_its_subject_description_and_note_as_text(page, live_server, login, stored):
    ticket = stored["ticket"]
    login(page, live_server, "lead")

    page.goto(f"{live_server.url}/support/ticket/{ticket.pk}/change/")
    expect(page.get_by_label("Subject")).to_have_value(f"Refund {SCRIPT}")
    expect(page.get_by_label("Description")).to_have_value(f"Buyer wrote {IMAGE} {SCRIPT}")
    expect(page.locator("#content-main")).to_contain_text(f"Note {IMAGE} {SCRIPT}")
    expect(page.locator("#content-main")).to_contain_text(f"Replies to {SCRIPT}")
    assert_inert(page)

    page.goto(f"{live_server.url}/support/triage/")
    entry = page.locator(f"#triage-{ticket.reference}")
    expect(entry).to_contain_text(f"Refund {SCRIPT}")
    expect(entry).to_contain_text(f"Buyer wrote {IMAGE} {SCRIPT}")
    assert_inert(page)

    page.goto(f"{live_server.url}/support/standup/")
    expect(page.locator("#standup-came_in")).to_contain_text(f"Refund {SCRIPT}")
    assert_inert(page)


def test_a_customer_and_the_explanation_of_their_payouts_show_names_and_reasons_as_text(page, live_server, login,
                                                                                        stored):
    seller = stored["seller"]
    login(page, live_server, "lead")

    page.goto(f"{live_server.url}/accounts/customer/{seller.pk}/change/")
    expect(page.locator(".readonly", has_text=SCRIPT).first).to_be_visible()
    expect(page.locator(".readonly", has_text=IMAGE).first).to_be_visible()
    expect(page.locator("#explanations")).to_contain_text(f"Chargebacks {SCRIPT} {IMAGE}")
    assert_inert(page)

    page.goto(f"{live_server.url}/accounts/customer/")
    expect(page.locator("#result_list")).to_contain_text(f"{SCRIPT} {IMAGE}")
    assert_inert(page)


def test_search_results_and_the_palette_show_names_as_text(page, live_server, login, stored):
    seller, buyer = stored["seller"], stored["buyer"]
    login(page, live_server, "lead")

    page.goto(f"{live_server.url}/search/?q=rossi%40")
    customers = page.locator("section[data-kind=customer]")
    expect(customers.get_by_role("link", name=str(seller))).to_be_visible()
    expect(customers.get_by_role("link", name=str(buyer))).to_be_visible()
    expect(customers).to_contain_text(f"Kilns {SCRIPT}")
    assert_inert(page)

    # A query nothing matches (the script alone now finds the platform named with it, by part
    # of its name): the page shows it back as typed, as text.
    unmatched = f"{SCRIPT} nowhere"
    page.goto(f"{live_server.url}/search/?q={quote(unmatched)}")
    expect(page.locator("#content-main")).to_contain_text(unmatched)
    expect(page.get_by_role("searchbox", name="Search").last).to_have_value(unmatched)
    assert_inert(page)

    page.goto(f"{live_server.url}/")
    page.keyboard.press("Control+k")
    palette = page.locator("#search-input-command")
    expect(palette).to_be_focused()
    palette.press_sequentially(seller.email)
    expect(page.locator("#command-results").get_by_role("link").filter(has_text=SCRIPT)).to_be_visible()
    assert_inert(page)


def test_a_callback_shows_its_payload_and_delivery_errors_as_text(page, live_server, login, stored):
    callback = stored["callback"]
    login(page, live_server, "lead")

    page.goto(f"{live_server.url}/payments/callback/{callback.pk}/change/")
    expect(page.locator("#content-main")).to_contain_text(SCRIPT)
    expect(page.locator("#content-main")).to_contain_text('<img src=x onerror=\\"window.__pwned=1\\">')  # JSON-quoted
    explanation = page.locator("#explanations")
    expect(explanation).to_contain_text(f"Refused {IMAGE}")
    expect(explanation).to_contain_text(f"Kilns {SCRIPT}")
    assert_inert(page)
