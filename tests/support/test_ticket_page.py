"""A ticket's page: the records it concerns with the tasks to start on them (pre-filled with the
ticket's reference), the runs quoting it, replies and internal notes apart, saved answers with
their placeholders filled, and resolving it, self-served or answered."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.models import Customer
from opsconsole.admin_urls import task_page_url
from opsconsole.errors import OpsError
from opsconsole.models import TaskRun
from support.models import SavedAnswer, Ticket, TicketKind, TicketLink, TicketMessage
from support.services.tickets import ALREADY_FINISHED, ticket_add_message, ticket_resolve
from support.ticket_page import saved_answer_render
from tests.factories import make_customer, make_platform
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db


def ticket_page(ticket) -> str:
    return reverse("admin:support_ticket_change", args=[ticket.pk])


def link_customer(ticket, customer) -> TicketLink:
    return TicketLink.objects.create(ticket=ticket, target_type=ContentType.objects.get_for_model(Customer),
                                     target_id=str(customer.pk), label=f"Customer {customer.email}")


def make_run(*, ticket, requested_by, status=TaskRun.Status.SUCCEEDED, **fields) -> TaskRun:
    return TaskRun.objects.create(task_slug="change-email", task_title="Change a customer's email",
                                  target_repr=fields.pop("target_repr", "the customer"), requested_by=requested_by,
                                  source=TaskRun.Source.WEB, status=status, ticket_reference=ticket.reference,
                                  **fields)


def test_the_page_links_each_record_and_offers_its_tasks_prefilled_with_the_ticket_reference(client_as):
    ticket = new_ticket()
    customer = make_customer()
    link_customer(ticket, customer)
    start_change_email = task_page_url(slug="change-email", target_id=str(customer.pk),
                                       ticket_reference=ticket.reference)

    page = client_as("ops").get(ticket_page(ticket)).content.decode()
    assert reverse("admin:accounts_customer_change", args=[customer.pk]) in page
    assert f'href="{start_change_email}"' in page and f"ticket_reference={ticket.reference}" in start_change_email

    # The auditor sees the record, but may not run the task, so is not offered it.
    page = client_as("auditor").get(ticket_page(ticket)).content.decode()
    assert reverse("admin:accounts_customer_change", args=[customer.pk]) in page
    assert start_change_email not in page and 'data-start-task="change-email"' not in page


def test_the_task_page_carries_the_ticket_reference_from_the_link_into_its_request_form(client_as):
    ticket = new_ticket()
    customer = make_customer()
    url = task_page_url(slug="change-email", target_id=customer.pk, ticket_reference=ticket.reference)
    client = client_as("ops")
    assert client.get(url).status_code == 200
    # The parameters form posts back to the same address, query string and all.
    preview = client.post(url, {"step": "preview", "new_email": "new@example.com"}).content.decode()
    assert f'name="ticket_reference" value="{ticket.reference}"' in preview


def test_the_runs_quoting_the_ticket_are_listed_with_status_and_link(client_as, staff):
    ticket, other = new_ticket(), new_ticket()
    ours = make_run(ticket=ticket, requested_by=staff["ops"], target_repr="buyer ours@example.com")
    theirs = make_run(ticket=other, requested_by=staff["ops"], target_repr="buyer theirs@example.com")
    page = client_as("engineer").get(ticket_page(ticket)).content.decode()
    assert f'data-run="{ours.pk}" data-status="succeeded"' in page
    assert reverse("admin:opsconsole_taskrun_change", args=[ours.pk]) in page
    assert f'data-run="{theirs.pk}"' not in page


def section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    return page[start:page.index("</section>", start)]


def test_replies_and_internal_notes_are_shown_apart(client_as, staff):
    ticket = new_ticket()
    ticket_add_message(ticket=ticket, author=staff["engineer"], visibility=TicketMessage.Visibility.REPLY,
                       body="We are looking into it")
    ticket_add_message(ticket=ticket, author=staff["engineer"], visibility=TicketMessage.Visibility.INTERNAL,
                       body="Probably the fee id change")
    page = client_as("engineer").get(ticket_page(ticket)).content.decode()
    replies, notes = section(page, "ticket-replies"), section(page, "ticket-internal-notes")
    assert "We are looking into it" in replies and "Probably the fee id change" not in replies
    assert "Probably the fee id change" in notes and "We are looking into it" not in notes
    assert "is-internal" in notes and "never shown to the requester" in notes


def test_a_saved_answer_is_offered_with_its_placeholders_filled_and_sends_as_a_reply(client_as, staff):
    ticket = new_ticket(requester_name="Maria", platform=make_platform(name="Shopfront"))
    answer = SavedAnswer.objects.create(title="Looking into it",
                                        body="Hi {requester_name}, about {reference} on {platform}: {unknown}.")
    SavedAnswer.objects.create(title="Only for dev inquiries", body="SDK docs", kind=TicketKind.EXTERNAL_DEV_INQUIRY)
    expected = f"Hi Maria, about {ticket.reference} on Shopfront: {{unknown}}."
    assert saved_answer_render(answer=answer, ticket=ticket) == expected

    client = client_as("engineer")
    page = section(client.get(ticket_page(ticket)).content.decode(), "ticket-saved-answers")
    assert expected in page and "Only for dev inquiries" not in page

    response = client.post(reverse("support-saved-answer-send", args=[ticket.pk, answer.pk]))
    assert response.status_code == 302
    reply = ticket.messages.get()
    assert (reply.visibility, reply.body, reply.author) == ("reply", expected, staff["engineer"])
    send_url = reverse("support-saved-answer-send", args=[ticket.pk, answer.pk])
    assert client_as("auditor").post(send_url).status_code == 403


def test_resolving_with_a_succeeded_run_is_self_served(staff):
    ticket = new_ticket()
    make_run(ticket=ticket, requested_by=staff["ops"], status=TaskRun.Status.FAILED)
    make_run(ticket=ticket, requested_by=staff["ops"], status=TaskRun.Status.SUCCEEDED)
    resolved = ticket_resolve(ticket=ticket, by=staff["engineer"])
    assert (resolved.status, resolved.resolution) == (Ticket.Status.RESOLVED, Ticket.Resolution.SELF_SERVED)
    assert resolved.resolved_at is not None
    assert resolved.history.latest().history_user == staff["engineer"]


def test_resolving_without_a_succeeded_run_is_answered(staff):
    ticket = new_ticket()
    make_run(ticket=ticket, requested_by=staff["ops"], status=TaskRun.Status.FAILED)
    make_run(ticket=new_ticket(), requested_by=staff["ops"], status=TaskRun.Status.SUCCEEDED)  # another ticket's
    resolved = ticket_resolve(ticket=ticket, by=staff["engineer"])
    assert (resolved.status, resolved.resolution) == (Ticket.Status.RESOLVED, Ticket.Resolution.ANSWERED)
    with pytest.raises(OpsError) as refusal:
        ticket_resolve(ticket=resolved, by=staff["engineer"])
    assert refusal.value.message == ALREADY_FINISHED.format(status="resolved")


def test_the_resolve_button_resolves_for_the_team_and_not_for_the_auditor(client_as, staff):
    ticket = new_ticket()
    url = reverse("support-ticket-resolve", args=[ticket.pk])
    assert client_as("auditor").post(url).status_code == 403
    assert client_as("engineer").post(url).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Ticket.Status.RESOLVED, Ticket.Resolution.ANSWERED)


def test_resolving_with_the_explanation_box_ticked_counts_as_explained(staff):
    ticket = new_ticket()
    assert ticket_resolve(ticket=ticket, by=staff["engineer"], explained=True).resolution == Ticket.Resolution.EXPLAINED


def test_the_ticket_page_shows_its_clocks_in_sydney_business_hours(client_as):
    friday_afternoon = datetime.datetime(2026, 11, 27, 16, 50, tzinfo=ZoneInfo("Australia/Sydney"))
    with time_machine.travel(friday_afternoon, tick=False):
        ticket = new_ticket(priority="urgent", created_at=friday_afternoon)
        page = client_as("engineer").get(reverse("admin:support_ticket_change", args=[ticket.pk])).content.decode()
    # Urgent: 30 business minutes to first response, 10 of them on Friday, the rest on Monday.
    assert 'data-clock="first-response" data-state="on_track"' in page
    assert "Mon 30 Nov, 09:20" in page
