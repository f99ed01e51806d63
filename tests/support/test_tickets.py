"""The support workspace's records: tickets of every kind, their conversation and history, the
bug queue, CSV import and export, and who may do what."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from tablib import Dataset

from support.models import Bug, Ticket, TicketKind, TicketMessage
from support.resources import TicketResource
from support.services.tickets import ticket_add_message, ticket_create
from tests.factories import make_platform

pytestmark = pytest.mark.django_db


def new_ticket(**fields):
    values = {"kind": TicketKind.EXTERNAL_OPS_PROBLEM, "subject": "Card declined", "description": "Buyer asks why",
              "requester_name": "Maria", "requester_email": "maria@platform.example.com"}
    return ticket_create(**{**values, **fields})


def test_the_demo_has_tickets_of_all_five_kinds_a_bug_and_articles():
    call_command("seed_demo", "--scale", "0", "--today", "2026-11-27", "--force", stdout=StringIO())
    assert set(Ticket.objects.values_list("kind", flat=True)) == set(TicketKind.values)
    waiting = Ticket.objects.get(status=Ticket.Status.WAITING_ON_BUG)
    assert waiting.bug.severity == Bug.Severity.S2 and waiting.platform in waiting.bug.affected_platforms.all()
    assert Ticket.objects.filter(links__isnull=False).count() >= 3


def test_a_new_ticket_gets_its_reference_and_a_reply_stops_the_first_response_clock(staff):
    ticket = new_ticket()
    assert ticket.reference == f"SUP-{ticket.pk}"
    ticket_add_message(ticket=ticket, author=staff["engineer"], visibility=TicketMessage.Visibility.INTERNAL,
                       body="Looking")
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None
    reply = ticket_add_message(ticket=ticket, author=staff["engineer"], visibility=TicketMessage.Visibility.REPLY,
                               body="Hi")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == reply.created_at


def test_every_ticket_field_change_is_in_its_history(staff):
    ticket = new_ticket()
    ticket.priority, ticket.assignee = "urgent", staff["engineer"]
    ticket.save()
    latest = ticket.history.latest()
    assert latest.priority == "urgent" and latest.prev_record.priority == "normal"


def test_an_engineer_raises_a_ticket_and_writes_an_internal_note_from_the_admin(client_as, staff):
    client = client_as("engineer")
    response = client.post(reverse("admin:support_ticket_add"), {
        "kind": TicketKind.EXTERNAL_DEV_PROBLEM, "priority": "high", "status": "new", "subject": "SDK errors",
        "description": ".NET SDK 2.3.1 fails", "requester_name": "Dev", "requester_email": "dev@platform.example.com",
        "links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0",
        "messages-TOTAL_FORMS": "1", "messages-INITIAL_FORMS": "0",
        "messages-0-visibility": "internal", "messages-0-body": "Probably the fee id change",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert ticket.reference == f"SUP-{ticket.pk}"
    message = ticket.messages.get()
    assert (message.author, message.visibility) == (staff["engineer"], "internal")


def test_who_may_do_what(client_as):
    ticket = new_ticket()
    change_url = reverse("admin:support_ticket_change", args=[ticket.pk])
    assert client_as("ops").get(reverse("admin:support_ticket_add")).status_code == 200
    assert client_as("auditor").get(change_url).status_code == 200
    assert client_as("auditor").get(reverse("admin:support_ticket_add")).status_code == 403
    assert client_as("nobody").get(change_url).status_code == 403
    assert client_as("developer").get(reverse("admin:support_bug_add")).status_code == 200


def test_tickets_import_from_csv_and_a_second_import_updates_rather_than_duplicates(db):
    platform = make_platform(client_id="old-tracker-platform")
    rows = ("reference,kind,priority,status,resolution,subject,description,requester_name,requester_email,platform,"
            "customer_affected,created_at,first_responded_at,resolved_at\n"
            "ZD-1001,external_dev_inquiry,low,new,,Callbacks?,How do callbacks work,Ana,ana@p.example.com,"
            "old-tracker-platform,0,2026-10-01 10:00:00,,\n")
    resource = TicketResource()
    result = resource.import_data(Dataset().load(rows, format="csv"), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    ticket = Ticket.objects.get(reference="ZD-1001")
    assert ticket.platform == platform
    result = resource.import_data(Dataset().load(rows.replace(",low,", ",high,"), format="csv"), dry_run=False)
    assert Ticket.objects.count() == 1 and Ticket.objects.get().priority == "high"
    exported = resource.export().csv
    assert "ZD-1001" in exported and "old-tracker-platform" in exported


def test_a_bad_import_row_names_the_field_and_imports_nothing(db):
    rows = ("reference,kind,priority,status,resolution,subject,description,requester_name,requester_email,platform,"
            "customer_affected,created_at,first_responded_at,resolved_at\n"
            "ZD-2,not_a_kind,low,new,,S,D,Ana,not-an-email,,0,2026-10-01 10:00:00,,\n")
    result = TicketResource().import_data(Dataset().load(rows, format="csv"), dry_run=False, raise_errors=False)
    assert result.has_validation_errors()
    errors = result.invalid_rows[0].error_dict
    assert "kind" in errors and "requester_email" in errors
    assert not Ticket.objects.exists()


def test_a_status_change_on_the_ticket_page_keeps_the_clocks(client_as):
    ticket = new_ticket(status=Ticket.Status.IN_PROGRESS)
    form = {field: getattr(ticket, field) for field in ("kind", "priority", "subject", "description",
                                                         "requester_name", "requester_email")}
    form.update({"status": Ticket.Status.WAITING_ON_REQUESTER, "resolution": "", "decline_reason": "",
                 "links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0",
                 "messages-TOTAL_FORMS": "0", "messages-INITIAL_FORMS": "0"})
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING_ON_REQUESTER
    assert ticket.pauses.filter(ended_at=None).count() == 1


def ticket_form(ticket, **changes) -> dict:
    form = {field: getattr(ticket, field) for field in ("kind", "priority", "subject", "description",
                                                         "requester_name", "requester_email", "status")}
    form.update({"resolution": "", "decline_reason": "", "links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0",
                 "messages-TOTAL_FORMS": "0", "messages-INITIAL_FORMS": "0"})
    return {**form, **changes}


def test_a_reply_typed_on_the_ticket_page_stops_the_first_response_clock(client_as, staff):
    ticket = new_ticket(status=Ticket.Status.IN_PROGRESS)
    assert ticket.first_responded_at is None
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]), ticket_form(
        ticket, **{"messages-TOTAL_FORMS": "1", "messages-0-visibility": "reply",
                   "messages-0-body": "We found it: the fee id changed."}))
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    reply = ticket.messages.get()
    assert (reply.author, reply.visibility) == (staff["engineer"], "reply")
    assert ticket.first_responded_at == reply.created_at


def test_a_refused_status_change_saves_nothing_and_names_the_field(client_as):
    ticket = new_ticket(status=Ticket.Status.IN_PROGRESS, subject="Card declined")
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]), ticket_form(
        ticket, status=Ticket.Status.WAITING_ON_BUG, subject="Edited beside a refused status"))
    assert response.status_code == 200
    assert "Link the bug the ticket waits on" in " ".join(response.context["adminform"].form.errors["status"])
    ticket.refresh_from_db()
    assert (ticket.status, ticket.subject) == (Ticket.Status.IN_PROGRESS, "Card declined")
