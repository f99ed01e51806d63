"""The support team's day in a real browser: a ticket walked from the triage inbox through a task
run pre-filled with its reference to resolved (self-served), and the lead's standup board."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Customer
from opsconsole.models import TaskRun
from support.models import Bug, Ticket, TicketLink
from tests.factories import make_customer
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.browser


def test_an_engineer_walks_a_ticket_from_triage_through_a_task_run_to_resolved(page, live_server, login,
                                                                                 transactional_db, staff):
    customer = make_customer(email="old.address@example.com")
    ticket = new_ticket(subject="Buyer lost access to their mailbox", assignee=staff["lead"])
    TicketLink.objects.create(ticket=ticket, target_type=ContentType.objects.get_for_model(Customer),
                              target_id=str(customer.pk), label="Buyer old.address@example.com")
    login(page, live_server, "engineer")

    page.goto(f"{live_server.url}/support/triage/")
    inbox_entry = page.locator(f"#triage-{ticket.reference}")
    expect(inbox_entry).to_contain_text("Buyer lost access to their mailbox")
    inbox_entry.get_by_label("Kind").select_option(label="External ops problem")
    inbox_entry.get_by_label("Priority").select_option("high")
    inbox_entry.get_by_label("Assignee").select_option(label="engineer")
    inbox_entry.get_by_role("button", name="Accept").click()
    expect(page.get_by_text(f"{ticket.reference} accepted for engineer.")).to_be_visible()
    expect(page.locator(f"#triage-{ticket.reference}")).to_have_count(0)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.priority) == (Ticket.Status.TRIAGED, staff["engineer"], "high")

    page.goto(f"{live_server.url}/support/ticket/{ticket.pk}/change/")
    page.locator("#ticket-records").get_by_role("link", name="Start “Change a customer's email”").click()
    page.get_by_label("New email").fill("new.address@example.com")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.get_by_label("Ticket reference")).to_have_value(ticket.reference)
    page.get_by_label("Reason").fill("Requester asked on the ticket, identity checked")
    page.get_by_role("button", name="Confirm and run").click()
    page.wait_for_url(f"{live_server.url}/opsconsole/taskrun/*/change/")
    run = TaskRun.objects.get(ticket_reference=ticket.reference)
    assert run.status == TaskRun.Status.SUCCEEDED

    page.goto(f"{live_server.url}/support/ticket/{ticket.pk}/change/")
    expect(page.locator(f'#ticket-runs tr[data-run="{run.pk}"]')).to_contain_text("Succeeded")
    page.locator("#ticket-resolve").get_by_role("button", name="Resolve the ticket").click()
    self_served = Ticket.Resolution.SELF_SERVED.label.lower()
    expect(page.get_by_text(f"{ticket.reference} resolved: {self_served}.")).to_be_visible()
    expect(page.locator("#ticket-resolve")).to_have_count(0)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Ticket.Status.RESOLVED, Ticket.Resolution.SELF_SERVED)
    customer.refresh_from_db()
    assert customer.email == "new.address@example.com"


def test_the_lead_sees_a_breached_ticket_and_one_waiting_on_a_bug(page, live_server, login, transactional_db, staff):
    now = timezone.now()
    bug = Bug.objects.create(title="Callback retries stop", steps_to_reproduce="Answer 500", expected_behaviour="Retry",
                             actual_behaviour="Stops", severity=Bug.Severity.S2,
                             fix_due_at=now + datetime.timedelta(days=20))
    breached = new_ticket(subject="Payout late for a week", status=Ticket.Status.IN_PROGRESS,
                          created_at=now - datetime.timedelta(days=4), resolution_sla=Ticket.SlaState.BREACHED,
                          assignee=staff["engineer"])
    on_bug = new_ticket(subject="Callbacks stopped arriving", status=Ticket.Status.WAITING_ON_BUG, bug=bug,
                        created_at=now - datetime.timedelta(days=1), assignee=staff["engineer"])
    login(page, live_server, "lead")
    page.goto(f"{live_server.url}/support/standup/")

    breaching = page.locator("#standup-breaching")
    expect(breaching.locator(f'li[data-ticket="{breached.reference}"]')).to_contain_text("resolution breached")
    expect(breaching.locator(f'li[data-ticket="{on_bug.reference}"]')).to_have_count(0)
    waiting = page.locator("#standup-on_bug")
    expect(waiting.locator(f'li[data-ticket="{on_bug.reference}"]')).to_contain_text("Callback retries stop")
    waiting.get_by_role("link", name=f"BUG-{bug.pk}").click()
    expect(page).to_have_url(f"{live_server.url}/support/bug/{bug.pk}/change/")
