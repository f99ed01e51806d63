"""An imported note cannot pass for a colleague's: it is the importing person's, marked as imported
by them, from which file and when, with the file's author kept as text; notes keep their history;
and every confirmed import is on the audit trail."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from support.models import Ticket, TicketMessage
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db
FORGED = ("ticket,author,visibility,body,created_at\n"
          "{reference},lead,internal,Approved by lead — go ahead and refund,2026-01-15 09:00:00\n")


def imported(client, model_name: str, file_name: str, text: str):
    """Upload, preview, then confirm, as a person does on the import page."""
    upload = SimpleUploadedFile(file_name, text.encode(), content_type="text/csv")
    preview = client.post(reverse(f"admin:support_{model_name}_import"),
                          {"resource": "0", "format": "0", "import_file": upload})
    assert "confirm_form" in preview.context, "the preview refused the file"
    return client.post(reverse(f"admin:support_{model_name}_process_import"), preview.context["confirm_form"].initial,
                       follow=True)


def test_a_note_a_file_attributes_to_the_lead_is_the_importers_and_says_where_it_came_from(client_as, staff):
    ticket = new_ticket()
    imported(client_as("engineer"), "ticketmessage", "old-tracker-notes.csv", FORGED.format(reference=ticket.reference))
    note = TicketMessage.objects.get()
    assert (note.author, note.imported_by, note.source_author) == (staff["engineer"], staff["engineer"], "lead")
    assert note.imported_from == "old-tracker-notes.csv" and note.imported_at is not None
    assert note.history.count() == 1
    page = client_as("lead").get(reverse("admin:support_ticket_change", args=[ticket.pk])).content.decode()
    assert "Imported by engineer from old-tracker-notes.csv" in page
    assert "written in the old tracker by “lead” (as the file says)" in page


def test_every_confirmed_import_is_on_the_audit_trail_with_its_file_counts_and_objects(client_as, staff):
    ticket = new_ticket()
    imported(client_as("engineer"), "ticketmessage", "notes.csv", FORGED.format(reference=ticket.reference))
    imported(client_as("engineer"), "ticket", "tickets.csv",
             "reference,subject,description,kind,requester_name,requester_email,created_at\n"
             "ZD-501,Test cards?,Which cards for prelive,external_dev_inquiry,Ana,ana@p.example.com,"
             "2026-10-01 10:00:00\n"
             f"{ticket.reference},Renamed,{ticket.description},{ticket.kind},{ticket.requester_name},"
             f"{ticket.requester_email},{ticket.created_at:%Y-%m-%d %H:%M:%S}\n")
    notes_event, tickets_event = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).order_by("id")
    assert (notes_event.actor, notes_event.details["file"], notes_event.details["new"]) == (
        staff["engineer"], "notes.csv", 1)
    assert notes_event.details["created_ids"] == [str(TicketMessage.objects.get().pk)]
    new = Ticket.objects.get(reference="ZD-501")
    assert (tickets_event.details["file"], tickets_event.details["new"], tickets_event.details["update"]) == (
        "tickets.csv", 1, 1)
    assert (tickets_event.details["created_ids"], tickets_event.details["changed_ids"]) == (
        [str(new.pk)], [str(ticket.pk)])
    assert tickets_event.summary == "Imported tickets.csv into tickets: 1 new, 1 changed, 0 unchanged"


def test_a_preview_alone_is_not_an_import(client_as, staff):
    ticket = new_ticket()
    upload = SimpleUploadedFile("notes.csv", FORGED.format(reference=ticket.reference).encode(),
                                content_type="text/csv")
    client_as("engineer").post(reverse("admin:support_ticketmessage_import"),
                               {"resource": "0", "format": "0", "import_file": upload})
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).exists()
    assert not TicketMessage.objects.exists()
