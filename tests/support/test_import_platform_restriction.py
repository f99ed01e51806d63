"""A person limited to some platforms imports and edits tickets of those platforms only: another
platform's ticket, platform or notes read in a file exactly like missing ones, are never shown in a
preview, never overwritten, and no form field moves a ticket to a platform they cannot see."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tablib import Dataset

from opsconsole.models import StaffPlatformAccess
from support.links import record_choice_value
from support.models import Ticket
from support.resources import REFERENCE_IN_USE, UNKNOWN_PLATFORM, UNKNOWN_TICKET, TicketMessageResource, TicketResource
from tests.factories import make_customer, make_platform
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def platforms(staff):
    """The engineer works for platform A only; platform B holds a ticket they must not read."""
    own, other = make_platform(name="Platform A"), make_platform(name="Platform B")
    StaffPlatformAccess.objects.create(user=staff["engineer"]).platforms.set([own])
    secret = new_ticket(platform=other, subject="Payout dispute with Acme", description="Seller threatens to sue",
                        requester_name="Bea Other", requester_email="bea@other.example.com")
    return own, other, secret


def engineer(staff):
    return type(staff["engineer"]).objects.get(pk=staff["engineer"].pk)  # the restriction is read per object


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("tickets.csv", text.encode(), content_type="text/csv")


def test_a_preview_of_another_platforms_reference_shows_nothing_of_that_ticket(client_as, platforms):
    _, _, secret = platforms
    response = client_as("engineer").post(reverse("admin:support_ticket_import"), {
        "resource": "0", "format": "0",
        "import_file": csv_file(f"reference,subject\n{secret.reference},Overwritten\n")})
    page = response.content.decode()
    assert REFERENCE_IN_USE.format(reference=secret.reference) in page
    for hidden in ("Payout dispute with Acme", "Seller threatens to sue", "Bea Other", "bea@other.example.com",
                   "Platform B"):
        assert hidden not in page
    assert "Confirm import" not in page


def test_an_import_neither_overwrites_another_platforms_ticket_nor_creates_one_there(staff, platforms):
    own, other, secret = platforms
    rows = (f"reference,subject,kind,platform\n{secret.reference},Overwritten,external_dev_problem,{own.client_id}\n"
            f"ZD-900,New on B,external_dev_problem,{other.client_id}\n")
    result = TicketResource(user=engineer(staff)).import_data(Dataset().load(rows, format="csv"), dry_run=False)
    assert result.has_validation_errors()
    errors = {str(message) for row in result.invalid_rows for messages in row.error_dict.values()
              for message in messages}
    assert errors >= {REFERENCE_IN_USE.format(reference=secret.reference),
                      UNKNOWN_PLATFORM.format(client_id=other.client_id)}
    secret.refresh_from_db()
    assert (secret.subject, secret.platform) == ("Payout dispute with Acme", other)
    assert not Ticket.objects.filter(reference="ZD-900").exists()


def test_the_same_file_imports_for_someone_who_sees_every_platform(staff, platforms):
    _, other, secret = platforms
    rows = f"reference,subject,kind,platform\n{secret.reference},Renamed,external_dev_problem,{other.client_id}\n"
    result = TicketResource(user=staff["lead"]).import_data(Dataset().load(rows, format="csv"), dry_run=False)
    assert not result.has_validation_errors() and not result.has_errors()
    secret.refresh_from_db()
    assert secret.subject == "Renamed"


def test_notes_go_only_onto_tickets_of_the_importers_platforms(staff, platforms):
    own, _, secret = platforms
    mine = new_ticket(platform=own)
    rows = ("ticket,author,visibility,body,created_at\n"
            f"{mine.reference},engineer,internal,Checked,2026-10-02 09:15:00\n"
            f"{secret.reference},engineer,internal,Approved by lead,2026-10-02 09:15:00\n")
    person = engineer(staff)
    result = TicketMessageResource(user=person).import_data(Dataset().load(rows, format="csv"), dry_run=False,
                                                            user=person)
    assert result.has_validation_errors() or result.has_errors()
    assert UNKNOWN_TICKET.format(reference=secret.reference) in str(
        [message for row in result.invalid_rows for messages in row.error_dict.values() for message in messages])
    assert not secret.messages.exists()


def test_the_ticket_form_does_not_move_a_ticket_to_a_platform_or_duplicate_its_editor_cannot_see(client_as, platforms):
    own, other, secret = platforms
    mine = new_ticket(platform=own, subject="Card declined on A")
    page = reverse("admin:support_ticket_change", args=[mine.pk])
    client = client_as("engineer")
    form = client.get(page).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update({"platform": other.pk, "duplicate_of": secret.pk, "subject": "Card declined on A",
                 "links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0",
                 "messages-TOTAL_FORMS": "0", "messages-INITIAL_FORMS": "0"})
    response = client.post(page, {name: value for name, value in data.items() if value != []})
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"platform", "duplicate_of"}, errors
    mine.refresh_from_db()
    assert (mine.platform, mine.duplicate_of) == (own, None)


def test_a_ticket_is_not_linked_to_another_platforms_record_from_its_form(client_as, platforms):
    own, other, _ = platforms
    mine = new_ticket(platform=own, subject="Card declined on A")
    hidden, visible = make_customer(platform=other), make_customer(platform=own)
    page = reverse("admin:support_ticket_change", args=[mine.pk])
    client = client_as("engineer")
    form = client.get(page).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value not in (None, [])}
    for target, expected_links in ((hidden, 0), (visible, 1)):
        data.update({"links-TOTAL_FORMS": "1", "links-INITIAL_FORMS": "0", "links-0-label": "The seller",
                     "links-0-record": record_choice_value(target),
                     "messages-TOTAL_FORMS": "0", "messages-INITIAL_FORMS": "0"})
        client.post(page, data)
        assert mine.links.count() == expected_links
    response = client.post(page, {**data, "links-0-record": record_choice_value(hidden)})
    assert f"There is no customer with id {hidden.pk}." in response.content.decode()
