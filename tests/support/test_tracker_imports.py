"""Importing exports of Zendesk and Jira through the console's pages: recognised by their columns,
their values mapped, each record found again on a second import, original times kept (the SLA
clocks run from them), and every bad file refused with what is wrong and nothing written."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from audit.models import AuditEvent
from opsconsole.models import TaskRun
from support.models import Bug, Ticket, TicketPause, TrackerImport, TrackerImportRow, TrackerSource

pytestmark = pytest.mark.django_db
TRACKERS = Path(__file__).parent.parent / "fixtures" / "trackers"
SYDNEY = datetime.timezone(datetime.timedelta(hours=11))


def upload(client, into: str, name: str, data: bytes, encoding: str = "auto"):
    return client.post(reverse("support-tracker-import", args=[into]),
                       {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "encoding": encoding})


def uploaded(client, into: str, name: str, data: bytes, **kwargs) -> TrackerImport:
    response = upload(client, into, name, data, **kwargs)
    assert response.status_code == 302, response.context["form"].errors
    return TrackerImport.objects.latest("pk")


def confirm_columns(client, tracker_import: TrackerImport, **changes):
    """Post the mapping page as it is offered, with `changes`."""
    url = reverse("support-tracker-import-mapping", args=[tracker_import.pk])
    form = client.get(url).context["form"]
    data = {name: form.initial.get(name, field.initial) or "" for name, field in form.fields.items()}
    return client.post(url, {**data, **changes})


def import_rows(client, tracker_import: TrackerImport, *, valid_rows_only: bool = False):
    data = {"reason": "Moving the support queue into the console"}
    if valid_rows_only:
        data["valid_rows_only"] = "on"
    # The run is handed to the task runner once its request commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("support-tracker-import-rows", args=[tracker_import.pk]), data)


def import_file(client, into: str, name: str, data: bytes, *, valid_rows_only: bool = False) -> TrackerImport:
    tracker_import = uploaded(client, into, name, data)
    assert confirm_columns(client, tracker_import).status_code == 302
    response = import_rows(client, tracker_import, valid_rows_only=valid_rows_only)
    assert response.status_code == 302, response.context["form"].errors
    tracker_import.refresh_from_db()
    return tracker_import


@pytest.fixture
def engineer(staff, client_as):
    person = staff["engineer"]
    person.first_name, person.last_name = "Sam", "Engineer"
    person.save()
    return client_as("engineer")


def test_a_zendesk_export_is_recognised_and_imported_with_its_values_and_times(engineer, staff):
    data = (TRACKERS / "zendesk_tickets.csv").read_bytes()
    tracker_import = uploaded(engineer, "tickets", "zendesk.csv", data)
    page = engineer.get(reverse("support-tracker-import-mapping", args=[tracker_import.pk]))
    assert "Recognised as a <strong>Zendesk ticket export</strong>" in page.content.decode()
    assert confirm_columns(engineer, tracker_import).status_code == 302
    rows_page = engineer.get(reverse("support-tracker-import-rows", args=[tracker_import.pk])).content.decode()
    assert "4 to import (all new)" in rows_page
    assert not Ticket.objects.exists()  # checking writes nothing

    run_page = import_rows(engineer, tracker_import)
    run = TaskRun.objects.get(task_slug="import-tracker-file")
    assert run_page.url.endswith(f"/{run.pk}/change/")
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    tickets = {ticket.source_id: ticket for ticket in Ticket.objects.all()}
    assert set(tickets) == {"1041", "1042", "1043", "1044"}
    callbacks = tickets["1041"]
    assert (callbacks.source, callbacks.status, callbacks.priority, callbacks.kind) == (
        TrackerSource.ZENDESK, Ticket.Status.IN_PROGRESS, "high", "external_ops_problem")
    assert callbacks.created_at == datetime.datetime(2026, 11, 2, 9, 14, 3, tzinfo=SYDNEY)
    assert callbacks.assignee == staff["engineer"]
    assert callbacks.description == "Our endpoint gets no callbacks since 09:00.\nOrder ids: 88, 91"
    assert callbacks.reference == f"SUP-{callbacks.pk}"
    # A month without a reply: its clocks ran from its own time, not from the import.
    assert callbacks.first_response_sla == Ticket.SlaState.BREACHED
    solved = tickets["1042"]
    assert solved.status == Ticket.Status.RESOLVED
    assert solved.resolved_at == datetime.datetime(2026, 11, 4, 9, 30, tzinfo=SYDNEY)
    assert solved.resolution_sla in (Ticket.SlaState.MET, Ticket.SlaState.BREACHED)
    waiting = tickets["1043"]
    assert waiting.status == Ticket.Status.WAITING_ON_REQUESTER
    assert TicketPause.objects.get(ticket=waiting).started_at == datetime.datetime(2026, 11, 5, 11, tzinfo=SYDNEY)
    assert (tickets["1044"].priority, tickets["1044"].kind) == ("normal", "internal_task")
    assert all(ticket.history.get().history_user == staff["engineer"] for ticket in tickets.values())
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert (event.details["new"], event.actor) == (4, staff["engineer"])


def test_importing_the_same_export_again_updates_instead_of_duplicating(engineer):
    data = (TRACKERS / "zendesk_tickets.csv").read_bytes()
    import_file(engineer, "tickets", "zendesk.csv", data)
    first = {ticket.source_id: ticket.pk for ticket in Ticket.objects.all()}

    again = import_file(engineer, "tickets", "zendesk.csv", data)
    assert again.rows_by_outcome() == {TrackerImportRow.Outcome.UNCHANGED: 4}
    changed = data.replace(b"How do I test 3DS in sandbox?", b"Testing 3-D Secure in the sandbox")
    third = import_file(engineer, "tickets", "zendesk-later.csv", changed)
    assert third.rows_by_outcome() == {TrackerImportRow.Outcome.UNCHANGED: 3, TrackerImportRow.Outcome.UPDATED: 1}
    assert {ticket.source_id: ticket.pk for ticket in Ticket.objects.all()} == first
    assert Ticket.objects.get(source_id="1042").subject == "Testing 3-D Secure in the sandbox"
    assert Ticket.objects.get(source_id="1042").history.count() == 2


def test_a_jira_export_into_bugs_imports_the_bugs_and_rejects_the_rest_by_row_and_column(engineer):
    data = (TRACKERS / "jira_issues.csv").read_bytes()
    tracker_import = uploaded(engineer, "bugs", "jira.csv", data)
    assert confirm_columns(engineer, tracker_import, time_zone="Australia/Sydney").status_code == 302
    task_row = tracker_import.rows.get(number=3)
    assert task_row.problems == [["Issue Type", "“Task” is not a bug: import it into tickets"]]

    refused = import_rows(engineer, tracker_import)
    assert refused.status_code == 200
    assert "1 row of the file is rejected" in refused.content.decode()
    assert not Bug.objects.exists()

    import_rows(engineer, tracker_import, valid_rows_only=True)
    bugs = {bug.source_reference: bug for bug in Bug.objects.all()}
    assert set(bugs) == {"SUP-101", "SUP-103", "SUP-104"}
    assert (bugs["SUP-101"].severity, bugs["SUP-101"].status) == (Bug.Severity.S2, Bug.Status.IN_PROGRESS)
    assert (bugs["SUP-103"].severity, bugs["SUP-103"].status) == (Bug.Severity.S1, Bug.Status.FIXED)
    assert bugs["SUP-103"].fixed_at == datetime.datetime(2026, 10, 30, 9, tzinfo=SYDNEY)
    assert bugs["SUP-104"].status == Bug.Status.WONT_FIX
    assert bugs["SUP-101"].created_at == datetime.datetime(2026, 11, 3, 9, 12, tzinfo=SYDNEY)
    assert bugs["SUP-101"].fix_due_at == bugs["SUP-101"].created_at + datetime.timedelta(days=30)
    assert bugs["SUP-101"].actual_behaviour == "Refunds after the cut-off are not in the payout report."

    rejected = engineer.get(reverse("support-tracker-import-rejected", args=[tracker_import.pk]))
    lines = list(csv.reader(io.StringIO(b"".join(rejected.streaming_content).decode())))
    assert lines[0][-2:] == ["Row", "Problems"]
    assert [line[1] for line in lines[1:]] == ["SUP-102"]
    assert lines[1][-2:] == ["3", "Issue Type: “Task” is not a bug: import it into tickets"]


def test_a_jira_export_into_tickets_keeps_the_issue_key_and_needs_no_email(engineer):
    import_file(engineer, "tickets", "jira.csv", (TRACKERS / "jira_issues.csv").read_bytes())
    tickets = {ticket.source_reference: ticket for ticket in Ticket.objects.all()}
    assert set(tickets) == {"SUP-101", "SUP-102", "SUP-103", "SUP-104"}
    assert tickets["SUP-102"].kind == "internal_task"
    assert (tickets["SUP-101"].requester_name, tickets["SUP-101"].requester_email) == ("Mia Chen", "")
    assert tickets["SUP-101"].source_id == "10101"


@pytest.mark.parametrize("model_name, file_name, recognised", [
    ("ticket", "zendesk_tickets.csv", "its columns are those of a Zendesk ticket export"),
    ("bug", "jira_issues.csv", "its columns are those of a Jira issue export"),
])
def test_another_trackers_export_in_the_consoles_own_import_is_refused_with_the_way_to_import_it(
        engineer, model_name, file_name, recognised):
    data = (TRACKERS / file_name).read_bytes()
    response = engineer.post(reverse(f"admin:support_{model_name}_import"),
                             {"resource": "0", "format": "0",
                              "import_file": SimpleUploadedFile(file_name, data, content_type="text/csv")})
    page = response.content.decode()
    assert response.status_code == 200 and "Traceback" not in page
    assert f"is not the console's own export of {model_name}s: {recognised}" in page
    assert reverse("support-tracker-import", args=[model_name + "s"]) in page
    assert not Ticket.objects.exists() and not Bug.objects.exists()


ZENDESK_HEADER = "Id,Requester,Requester email,Subject,Description,Status,Priority,Type,Created at,Updated at\n"


def zendesk_line(number: int, *, requester: str = "Mia Chen", created: str = "2026-11-02 09:14:03 +1100") -> str:
    return (f"{number},{requester},mia@bazaar.example.com,Callbacks stopped,No callbacks since 9am,Open,High,"
            f"Incident,{created},{created}\n")


def test_a_windows_1252_file_is_read_as_such_and_a_utf_16_one_by_its_byte_order_mark(engineer):
    text = ZENDESK_HEADER + zendesk_line(1, requester="José Müller")
    for encoded, encoding in ((text.encode("cp1252"), "cp1252"), (text.encode("utf-16"), "utf-16"),
                              (text.encode("utf-8-sig"), "utf-8")):
        tracker_import = uploaded(engineer, "tickets", "export.csv", encoded)
        assert tracker_import.encoding == encoding
        assert "José Müller" in tracker_import.text


def test_a_file_in_another_encoding_than_the_one_chosen_is_refused_naming_the_byte(engineer):
    data = (ZENDESK_HEADER + zendesk_line(1, requester="José")).encode("cp1252")
    response = upload(engineer, "tickets", "export.csv", data, encoding="utf-8")
    position = data.index("é".encode("cp1252"))
    assert response.context["form"].errors["encoding"] == [
        f"The file is not UTF-8 (byte 0xE9 at position {position} is not a character in it): choose the "
        "encoding it was saved in."]
    assert not TrackerImport.objects.exists()


@pytest.mark.parametrize("data, field, message", [
    (b"", "file", "The submitted file is empty."),
    (b"\n\n", "file", "The file is empty."),
    (ZENDESK_HEADER.encode(), "file", "The file has column names but no rows."),
    (b"Id,,Subject\n1,2,3\n", "file", "Column 2 has no name: every column needs one in the first row."),
    (b"Id,Subject,id\n1,2,3\n", "file", "Two columns are called “id”: rename one of them."),
    (b"PK\x03\x04\x00\x00binary", "file", "The file is not a CSV file the import can read: it holds NUL characters, "
                                          "as a spreadsheet's own format does; save it as CSV."),
])
def test_a_file_that_cannot_be_read_is_refused_with_what_is_wrong_and_nothing_kept(engineer, data, field, message):
    response = upload(engineer, "tickets", "export.csv", data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not TrackerImport.objects.exists() and not Ticket.objects.exists()


def test_a_file_too_large_is_refused_with_the_limit(engineer, settings):
    settings.SUPPORT_IMPORT_MAX_BYTES = 2_000_000
    data = (ZENDESK_HEADER + "".join(zendesk_line(number) for number in range(20_000))).encode()
    response = upload(engineer, "tickets", "export.csv", data)
    size = f"{len(data) / 1_000_000:.1f} MB"
    assert response.context["form"].errors["file"] == [
        f"The file is {size}; files of up to 2.0 MB can be imported: split it and import each part."]
    assert not TrackerImport.objects.exists()


def test_a_date_in_an_unknown_format_rejects_its_row_naming_row_column_and_the_formats_read(engineer):
    data = (ZENDESK_HEADER + zendesk_line(1) + zendesk_line(2, created="03/11/2026 09:12")).encode()
    tracker_import = uploaded(engineer, "tickets", "export.csv", data)
    confirm_columns(engineer, tracker_import)
    rejected = tracker_import.rows.get(outcome=TrackerImportRow.Outcome.REJECTED)
    assert rejected.number == 3
    [[column, problem], *_] = rejected.problems
    assert column == "Created at"
    assert problem.startswith("“03/11/2026 09:12” is not a date and time the import can read. It reads: "
                              "2026-11-03T09:12:45+11:00 (ISO 8601")
    assert "03/Nov/26 9:12 AM" in problem
    page = engineer.get(reverse("support-tracker-import-rows", args=[tracker_import.pk]) + "?show=rejected")
    assert "Column “Created at”: “03/11/2026 09:12” is not a date and time" in page.content.decode()
    import_rows(engineer, tracker_import)
    assert not Ticket.objects.exists()  # nothing until the valid rows only are asked for
    import_rows(engineer, tracker_import, valid_rows_only=True)
    assert list(Ticket.objects.values_list("source_id", flat=True)) == ["1"]


def test_a_value_the_mapping_leaves_unmatched_rejects_its_rows_and_a_needed_column_left_out_is_named(engineer):
    data = (ZENDESK_HEADER + zendesk_line(1) + zendesk_line(2).replace(",Open,", ",Escalated,")).encode()
    tracker_import = uploaded(engineer, "tickets", "export.csv", data)
    refused = confirm_columns(engineer, tracker_import, **{"column-subject": ""})
    assert "Subject: match a column of the file to it." in refused.content.decode()
    assert not tracker_import.rows.exists()
    confirm_columns(engineer, tracker_import)
    assert tracker_import.rows.get(number=3).problems == [
        ["Status", "“Escalated” is not matched to a console value: match it on the mapping page"]]


def test_the_rows_of_a_large_file_are_shown_a_hundred_at_a_time(engineer):
    data = (ZENDESK_HEADER + "".join(zendesk_line(number) for number in range(1, 251))).encode()
    tracker_import = uploaded(engineer, "tickets", "export.csv", data)
    confirm_columns(engineer, tracker_import)
    rows_url = reverse("support-tracker-import-rows", args=[tracker_import.pk])
    first, last = engineer.get(rows_url), engineer.get(rows_url + "?page=3")
    assert len(first.context["table"]) == 100 and "Page 1 of 3 (rows 1–100 of 250)" in first.content.decode()
    assert [row.number for row, _ in last.context["table"]] == list(range(202, 252))


def test_an_import_opens_only_for_the_person_who_uploaded_it(engineer, client_as, staff):
    tracker_import = uploaded(engineer, "tickets", "zendesk.csv", (TRACKERS / "zendesk_tickets.csv").read_bytes())
    pages = [reverse(name, args=[tracker_import.pk]) for name in (
        "support-tracker-import-mapping", "support-tracker-import-rows", "support-tracker-import-rejected")]
    lead, ops = client_as("lead"), client_as("ops")
    for page in pages:
        assert lead.get(page).status_code == 404  # the same right to import, not the same file
        assert ops.get(page).status_code == 403  # no right to import
    assert ops.get(reverse("support-tracker-import", args=["tickets"])).status_code == 403


def test_a_choice_column_changed_on_the_page_has_its_values_listed_before_any_row_is_checked(engineer):
    data = (ZENDESK_HEADER.replace("Description", "Stage") + zendesk_line(1).replace("No callbacks since 9am", "Done")
            + zendesk_line(2).replace("No callbacks since 9am", "Waiting")).encode()
    tracker_import = uploaded(engineer, "tickets", "export.csv", data)
    moved = confirm_columns(engineer, tracker_import, **{"column-status": "Stage"})
    assert "You chose another column for Status: match its values below" in moved.content.decode()
    assert not tracker_import.rows.exists()
    form = moved.context["form"]
    offered = {value: name for target, value, name in form.value_fields if target.name == "status"}
    assert set(offered) == {"Done", "Waiting"}
    answers = {**form.data.dict(), offered["Done"]: "resolved", offered["Waiting"]: "waiting_on_requester"}
    checked_page = engineer.post(reverse("support-tracker-import-mapping", args=[tracker_import.pk]), answers)
    assert checked_page.status_code == 302
    assert sorted(tracker_import.rows.values_list("values__status", flat=True)) == ["resolved", "waiting_on_requester"]
