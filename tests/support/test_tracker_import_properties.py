"""The tracker import on generated exports: whatever a row holds, it is imported or rejected with
its problems named by column, never both and never silently; what is imported carries the row's
own values and times; importing the same file again changes nothing; and a run that writes in
chunks writes each row once, however the chunks fall."""

import csv
import datetime
import io
import zoneinfo

import pytest
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_request
from support.models import Ticket, TrackerImport, TrackerImportRow
from support.tracker_imports.checking import Matching, tracker_import_check, tracker_import_start
from support.tracker_imports.presets import TICKET_TARGETS
from tests.conftest import make_demo_staff

HEADERS = ["Id", "Requester", "Requester email", "Subject", "Description", "Status", "Priority", "Type",
           "Created at", "Updated at"]
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
MOMENTS = st.datetimes(min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2026, 11, 30),
                       timezones=st.just(datetime.timezone.utc))
UNREADABLE_TIMES = st.sampled_from(["03/11/2026 09:12", "yesterday", "2026-13-01 10:00", "31 Foo 2026 10:00"])
ROW = st.fixed_dictionaries({
    "id": st.integers(1, 40).map(str),
    "requester": st.sampled_from(["Mia Chen", "José Müller", "", "Ngữ Văn"]),
    "email": st.sampled_from(["mia@example.com", "", "not an email"]),
    "subject": st.text(min_size=0, max_size=220, alphabet=st.characters(blacklist_categories=("Cs", "Cc"))),
    "status": st.sampled_from(["New", "open", "Pending", "hold", "Solved", "closed", "Escalated", ""]),
    "priority": st.sampled_from(["Urgent", "high", "Normal", "low", "", "P1"]),
    "type": st.sampled_from(["Question", "incident", "Problem", "task", "", "Feature"]),
    "created": st.one_of(MOMENTS.map(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S %z")), UNREADABLE_TIMES),
    "updated_after": st.one_of(st.none(), st.timedeltas(min_value=datetime.timedelta(0),
                                                        max_value=datetime.timedelta(days=30))),
})


def export(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        updated = ""
        if row["updated_after"] is not None and not row["created"].startswith(("0", "y", "3")):
            try:
                created = datetime.datetime.strptime(row["created"], "%Y-%m-%d %H:%M:%S %z")
                updated = (created + row["updated_after"]).strftime("%Y-%m-%d %H:%M:%S %z")
            except ValueError:
                updated = ""
        writer.writerow([row["id"], row["requester"], row["email"], row["subject"], "Text", row["status"],
                         row["priority"], row["type"], row["created"], updated])
    return out.getvalue()


def checked(text: str, person) -> TrackerImport:
    tracker_import = tracker_import_start(text=text, encoding="utf-8", into="tickets", file_name="generated.csv",
                                          person=person, time_zone="Australia/Sydney")
    tracker_import_check(tracker_import=tracker_import, matching=Matching.from_import(tracker_import), user=person)
    return tracker_import


def imported(tracker_import: TrackerImport, person) -> TaskRun:
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = task_run_request(slug="import-tracker-file", target_id=tracker_import.pk,
                               raw_params={"valid_rows_only": "on"}, reason="Moving off Zendesk",
                               origin=Origin(user=person, source=TaskRun.Source.WEB))
    run.refresh_from_db()
    return run


@pytest.fixture(scope="module")
def engineer(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            people = make_demo_staff()
            yield people["engineer"]
            transaction.set_rollback(True)


@pytest.mark.django_db
@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=12), chunk_size=st.integers(1, 5))
def test_every_row_is_imported_once_or_rejected_by_column_and_a_second_import_changes_nothing(
        engineer, settings, rows, chunk_size):
    settings.SUPPORT_IMPORT_CHUNK_SIZE = chunk_size
    labels = {target.label for target in TICKET_TARGETS}
    with transaction.atomic():
        tracker_import = checked(export(rows), engineer)
        checked_rows = list(tracker_import.rows.order_by("number"))
        assert len(checked_rows) == len(rows)
        for row in checked_rows:
            if row.outcome == TrackerImportRow.Outcome.REJECTED:
                assert row.problems and all(column in HEADERS or column in labels for column, _ in row.problems)
            else:
                assert row.outcome == TrackerImportRow.Outcome.PENDING and not row.problems
        first_rows = {}
        for row in checked_rows:
            if row.outcome == TrackerImportRow.Outcome.PENDING:
                first_rows.setdefault(row.cells[0], row)
        # A repeated id is rejected, pointing at the first row with it.
        assert len(first_rows) == sum(1 for row in checked_rows if row.outcome == TrackerImportRow.Outcome.PENDING)

        if first_rows:
            run = imported(tracker_import, engineer)
            assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
            tickets = {ticket.source_id: ticket for ticket in Ticket.objects.filter(source="zendesk")}
            assert set(tickets) == set(first_rows)
            for source_id, row in first_rows.items():
                ticket = tickets[source_id]
                assert ticket.subject == row.cells[3].strip()
                assert ticket.created_at == datetime.datetime.strptime(row.cells[8].strip(), "%Y-%m-%d %H:%M:%S %z")
                assert ticket.status in Ticket.Status.values and ticket.kind
                if ticket.resolved_at:
                    assert ticket.resolved_at >= ticket.created_at
            assert run.tally.get("created") == len(first_rows)

            again = checked(export(rows), engineer)
            assert again.rows.filter(outcome=TrackerImportRow.Outcome.PENDING).count() == len(first_rows)
            imported(again, engineer)
            assert again.rows_by_outcome().get(TrackerImportRow.Outcome.UNCHANGED) == len(first_rows)
            assert Ticket.objects.filter(source="zendesk").count() == len(first_rows)
        transaction.set_rollback(True)
