"""The content security policy in a real browser: the console's main pages, the command palette,
the sign-in pages (the second step's included) and the lockout page all work under it, with no
violation reported."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from accounts.models import Customer
from support.models import TicketMessage
from support.services.tickets import ticket_add_message
from tests.conftest import PASSWORD
from tests.factories import make_batch, make_customer, make_item
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.browser

# Every violation the page reports, from the first script that runs on each document.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def watched_page(page: Page) -> Page:
    """A page whose console errors about the policy, and the policy's own violation events, are
    collected: `violations(page)` lists both for the document on screen."""
    page.context.add_init_script(COLLECT_VIOLATIONS)
    page.policy_console_errors = []
    page.on("console", lambda message: message.type == "error" and "Content Security Policy" in message.text
            and page.policy_console_errors.append(message.text))
    return page


def violations(page: Page) -> list[str]:
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations") + page.policy_console_errors


@pytest.fixture
def console_data(transactional_db, staff):
    cache.clear()  # unfold caches the palette's results per user id and term; ids repeat between tests
    seller = make_customer(kind=Customer.Kind.SELLER, email="maria.rossi@ceramics.example.com")
    make_customer(kind=Customer.Kind.BUYER, email="paolo.rossi@kilns.example.com")
    ticket = new_ticket(subject="Payout missing for Maria", assignee=staff["lead"])
    ticket_add_message(ticket=ticket, author=staff["lead"], visibility=TicketMessage.Visibility.INTERNAL,
                       body="Checked the payout batch")
    return {"seller": seller, "item": make_item(seller=seller), "batch": make_batch(reference="B-70211"),
            "ticket": ticket}


def test_the_collector_sees_a_violation(watched_page, live_server, login, console_data):
    """The check below is only as good as its collector: an injected inline script is reported."""
    login(watched_page, live_server, "lead")
    watched_page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = 1";
        document.body.appendChild(script);
    }""")
    assert watched_page.evaluate("window.__ran") is None
    assert any("script-src" in violation for violation in violations(watched_page))


def test_the_main_pages_run_under_the_policy(watched_page, live_server, login, console_data):
    page = watched_page
    seller, item, ticket = console_data["seller"], console_data["item"], console_data["ticket"]
    login(page, live_server, "lead")
    pages = {
        "dashboard": ("/", "#ops-dashboard"),
        "customer list": ("/accounts/customer/", "#result_list"),
        "seller with its explanation": (f"/accounts/customer/{seller.pk}/change/", "#explanations"),
        "item with its explanation and timeline": (f"/payments/item/{item.pk}/change/", "#explanations"),
        "support reports with their chart": ("/support/reports/", "canvas"),
        "task page": (f"/tasks/change-email/{seller.pk}/", "form"),
        "triage inbox": ("/support/triage/", "#content-main"),
        "standup board": ("/support/standup/", "#content-main"),
        "ticket": (f"/support/ticket/{ticket.pk}/change/", "#ticket-records"),
        "search results": ("/search/?q=rossi%40", "section[data-kind=customer]"),
    }
    found = {}
    for name, (path, landmark) in pages.items():
        page.goto(f"{live_server.url}{path}")
        expect(page.locator(landmark).first).to_be_visible()
        found[name] = violations(page)
    assert found == {name: [] for name in pages}


def test_the_task_preview_and_the_command_palette_run_under_the_policy(watched_page, live_server, login, console_data):
    page, seller = watched_page, console_data["seller"]
    login(page, live_server, "lead")
    page.goto(f"{live_server.url}/tasks/change-email/{seller.pk}/")
    page.get_by_label("New email").fill("maria.new@ceramics.example.com")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.get_by_label("Reason")).to_be_visible()
    assert violations(page) == []

    page.keyboard.press("Control+k")
    palette = page.locator("#search-input-command")
    expect(palette).to_be_focused()
    palette.press_sequentially("B-70211")
    expect(page.locator("#command-results").get_by_role("link", name=re.compile(r"Batch B-70211"))).to_be_visible()
    assert violations(page) == []


def test_the_second_steps_pages_run_under_the_policy(watched_page, live_server, staff):
    """Enrolment draws its QR code in the page (an inline SVG), with nothing for the policy to allow."""
    page = watched_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("img", name="QR code of the key for lead")).to_be_visible()
    assert violations(page) == []
    page.goto(f"{live_server.url}/login/code/")  # back to the code step, which sends to enrolment again
    expect(page.locator("#authenticator-key")).to_be_visible()
    assert violations(page) == []


def test_the_sign_in_and_lockout_pages_run_under_the_policy(watched_page, live_server, login, staff):
    page = watched_page
    for _ in range(5):
        login(page, live_server, "ops", password="not-the-password")
        assert violations(page) == []
    expect(page.locator("#lockout")).to_contain_text("The account is locked here for 15 minutes.")
    assert violations(page) == []
