"""Importing tickets from a tracker's CSV: a file costs the same few queries however many tickets
it holds, every ticket written gets one history row naming the person who imported it, and a file
with a bad row is refused whole, with the row and field named."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tablib import Dataset

from support.models import Ticket
from support.resources import REFERENCE_REPEATED, UNKNOWN_PLATFORM, TicketResource
from tests.factories import make_platform

pytestmark = pytest.mark.django_db
HEADER = ("reference,kind,priority,status,resolution,subject,description,requester_name,requester_email,platform,"
          "customer_affected,created_at,first_responded_at,resolved_at")


def ticket_line(reference: str, *, platform: str = "", kind: str = "external_dev_problem",
                subject: str = "Callbacks stopped arriving") -> str:
    return (f"{reference},{kind},normal,new,,{subject},Our endpoint gets no callbacks since 9:00,Dev,"
            f"dev@platform.example.com,{platform},1,2026-10-01 10:00:00,,")


def tickets_file(lines: list[str]) -> Dataset:
    return Dataset().load("\n".join([HEADER, *lines]) + "\n", format="csv")


def import_tickets(lines: list[str], *, user, dry_run: bool = False):
    return TicketResource().import_data(tickets_file(lines), dry_run=dry_run, user=user, file_name="tracker.csv")


def queries_to_import(lines: list[str], *, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        result = import_tickets(lines, user=user)
    assert not result.has_errors() and not result.has_validation_errors()
    return len(queries)


def test_a_file_of_forty_tickets_costs_the_same_queries_as_a_file_of_six(staff):
    platform = make_platform()
    engineer = staff["engineer"]
    import_tickets([ticket_line("WARM-1", platform=platform.client_id)], user=engineer)  # caches filled
    counts = []
    for prefix, existing in (("FEW", 3), ("MANY", 20)):
        originals = [ticket_line(f"{prefix}-{n}", platform=platform.client_id) for n in range(existing)]
        import_tickets(originals, user=engineer)
        changed = [ticket_line(f"{prefix}-{n}", platform=platform.client_id, subject="Fixed") for n in range(existing)]
        new = [ticket_line(f"{prefix}-NEW-{n}", platform=platform.client_id) for n in range(existing)]
        counts.append(queries_to_import(changed + new, user=engineer))
    assert counts[0] == counts[1]
    assert Ticket.objects.filter(reference__startswith="MANY-NEW-").count() == 20
    assert set(Ticket.objects.filter(reference__regex=r"^MANY-\d+$").values_list("subject", flat=True)) == {"Fixed"}


def test_each_ticket_written_has_one_history_row_naming_who_imported_it(staff):
    platform = make_platform()
    lines = [ticket_line(f"ZD-{n}", platform=platform.client_id) for n in range(3)]
    import_tickets(lines, user=staff["engineer"])
    created = Ticket.history.filter(history_type="+")
    assert sorted(created.values_list("reference", flat=True)) == ["ZD-0", "ZD-1", "ZD-2"]
    assert set(created.values_list("history_user", "history_change_reason", "platform")) == {
        (staff["engineer"].pk, "Imported from tracker.csv", platform.pk)}

    lines[1] = ticket_line("ZD-1", platform=platform.client_id, subject="Callbacks are back")
    result = import_tickets(lines, user=staff["lead"])
    assert (result.totals["update"], result.totals["skip"]) == (1, 2)
    [changed] = Ticket.history.filter(history_type="~")
    assert (changed.reference, changed.subject, changed.history_user) == ("ZD-1", "Callbacks are back", staff["lead"])
    assert Ticket.history.count() == 4, "an unchanged ticket is skipped and gets no history row"


def test_a_file_with_bad_rows_is_refused_whole_naming_each_row_and_field(staff):
    platform = make_platform()
    result = import_tickets([
        ticket_line("ZD-1", platform=platform.client_id),
        ticket_line("ZD-2", platform=platform.client_id, kind="complaint"),
        ticket_line("ZD-3", platform="client_unknown"),
        ticket_line("ZD-1", platform=platform.client_id),
    ], user=staff["engineer"])
    errors = {row.number: row.error.message_dict for row in result.invalid_rows}
    assert set(errors) == {2, 3, 4}
    assert "kind" in errors[2] and "not a valid choice" in errors[2]["kind"][0]
    assert errors[3] == {"platform": [UNKNOWN_PLATFORM.format(client_id="client_unknown")]}
    assert errors[4] == {"reference": [REFERENCE_REPEATED.format(reference="ZD-1", row=1)]}
    assert not Ticket.objects.exists() and not Ticket.history.exists()


def test_the_admin_import_records_the_person_who_confirmed_it(client_as, staff):
    client = client_as("engineer")
    csv_file = tickets_file([ticket_line("ZD-77")]).csv.encode()
    upload = SimpleUploadedFile("tracker.csv", csv_file, content_type="text/csv")
    preview = client.post(reverse("admin:support_ticket_import"),
                          {"resource": "0", "format": "0", "import_file": upload})
    assert "ZD-77" in preview.content.decode() and not Ticket.objects.exists()
    confirmed = client.post(reverse("admin:support_ticket_process_import"), preview.context["confirm_form"].initial)
    assert confirmed.status_code == 302
    [history] = Ticket.history.all()
    assert (history.reference, history.history_type, history.history_user) == ("ZD-77", "+", staff["engineer"])
    assert history.history_change_reason == "Imported from tracker.csv"
