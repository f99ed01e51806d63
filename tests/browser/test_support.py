"""The support workspace in a real browser: from a ticket to a task run pre-filled with its
reference, and back to the ticket, which now lists the run."""

import pytest
from django.contrib.contenttypes.models import ContentType
from playwright.sync_api import expect

from accounts.models import Customer
from opsconsole.models import TaskRun
from support.models import TicketLink
from tests.factories import make_customer
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.browser


def test_an_engineer_changes_an_email_from_a_ticket_and_the_ticket_lists_the_run(page, live_server, login,
                                                                                   transactional_db):
    customer = make_customer(email="old.address@example.com")
    ticket = new_ticket(subject="Buyer lost access to their mailbox")
    TicketLink.objects.create(ticket=ticket, target_type=ContentType.objects.get_for_model(Customer),
                              target_id=str(customer.pk), label="Buyer old.address@example.com")
    login(page, live_server, "engineer")
    page.goto(f"{live_server.url}/support/ticket/{ticket.pk}/change/")
    records = page.locator("#ticket-records")
    expect(records.get_by_role("link", name="Buyer old.address@example.com")).to_be_visible()
    expect(page.locator("#ticket-runs")).to_contain_text("No task run quotes this ticket yet.")

    records.get_by_role("link", name="Start “Change a customer's email”").click()
    page.get_by_label("New email").fill("new.address@example.com")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.get_by_label("Ticket reference")).to_have_value(ticket.reference)
    page.get_by_label("Reason").fill("Requester asked on the ticket, identity checked")
    page.get_by_role("button", name="Confirm and run").click()

    run = TaskRun.objects.get(status=TaskRun.Status.SUCCEEDED)
    assert run.ticket_reference == ticket.reference
    expect(page).to_have_url(f"{live_server.url}/opsconsole/taskrun/{run.pk}/change/")

    page.goto(f"{live_server.url}/support/ticket/{ticket.pk}/change/")
    row = page.locator(f'#ticket-runs tr[data-run="{run.pk}"]')
    expect(row).to_contain_text("Succeeded")
    row.get_by_role("link", name=f"#{run.pk}").click()
    expect(page).to_have_url(f"{live_server.url}/opsconsole/taskrun/{run.pk}/change/")
