"""Moving in and out: notes import with their tickets and authors, and the admin shows a preview
of what an import would create before anything is written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tablib import Dataset

from support.models import Ticket, TicketMessage
from support.resources import TicketMessageResource
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db
NOTES = ("ticket,author,visibility,body,created_at\n"
         "{reference},engineer,internal,Checked the batch,2026-10-02 09:15:00\n")
TICKETS = ("reference,kind,priority,status,resolution,subject,description,requester_name,requester_email,platform,"
           "customer_affected,created_at,first_responded_at,resolved_at\n"
           "ZD-77,external_dev_inquiry,low,new,,Test cards?,Which cards for prelive,Ana,ana@p.example.com,,0,"
           "2026-10-01 10:00:00,,\n")


def test_notes_import_onto_their_ticket_keeping_their_time_and_their_authors_name(staff):
    ticket = new_ticket()
    result = TicketMessageResource().import_data(Dataset().load(NOTES.format(reference=ticket.reference), format="csv"),
                                                 dry_run=False, user=staff["lead"], file_name="notes.csv")
    assert not result.has_errors() and not result.has_validation_errors()
    note = ticket.messages.get()
    assert (note.visibility, note.created_at.year, note.created_at.month) == ("internal", 2026, 10)
    assert (note.author, note.imported_by, note.source_author, note.imported_from) == (
        staff["lead"], staff["lead"], "engineer", "notes.csv")


def test_a_note_for_an_unknown_ticket_is_reported_and_nothing_is_written(staff):
    rows = NOTES.format(reference="ZD-404")
    result = TicketMessageResource().import_data(Dataset().load(rows, format="csv"), dry_run=False, raise_errors=False,
                                                 user=staff["lead"])
    assert result.has_validation_errors() or result.has_errors()
    assert not TicketMessage.objects.exists()


def test_the_admin_previews_an_import_before_writing_anything(client_as):
    client = client_as("engineer")
    upload = SimpleUploadedFile("tickets.csv", TICKETS.encode(), content_type="text/csv")
    response = client.post(reverse("admin:support_ticket_import"),
                           {"resource": "0", "format": "0", "import_file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "ZD-77" in page and "New" in page and "Confirm import" in page
    assert not Ticket.objects.exists()
