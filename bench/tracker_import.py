"""Import throughput of an export from Zendesk, as a person runs it: every row checked against the
columns and values the preset matches, then the `import-tracker-file` task writing them in chunks
(tickets with their SLA clocks and a history row each). The baseline is the console's own CSV
import (`TicketResource`, bench/ticket_import.py) over as many new tickets, in the same run.

    python -m bench.tracker_import --database opsconsole_bench --rows 5000

Prints a JSON record; the imported tickets are deleted again afterwards.
"""

import argparse
import json
import time

from bench.bulk_load import log
from bench.ticket_import import import_seconds, imported_delete, tickets_csv, tickets_vacuum

SOURCE_ID_PREFIX = "BENCH-"
BASELINE_PREFIX = "TRKB"
STATUSES = ["New", "Open", "Pending", "Solved", "Open"]
TYPES = ["Question", "Incident", "Problem", "Task", ""]


def zendesk_export(rows: int) -> str:
    """A Zendesk ticket export: its documented columns, times with their offset, a month of tickets."""
    lines = ["Id,Requester,Requester email,Subject,Description,Status,Priority,Type,Created at,Updated at,"
             "Assignee,Tags"]
    for number in range(rows):
        day, minute = 1 + number % 28, number % 60
        lines.append(
            f"{SOURCE_ID_PREFIX}{number},Dev {number},dev{number}@platform.example.com,Callbacks stopped ({number}),"
            f"\"Since this morning our endpoint gets no callbacks, request {number}\",{STATUSES[number % 5]},"
            f"{['Low', 'Normal', 'High', 'Urgent'][number % 4]},{TYPES[number % 5]},"
            f"2026-10-{day:02d} 10:{minute:02d}:00 +1100,2026-10-{day:02d} 15:{minute:02d}:00 +1100,,callbacks")
    return "\n".join(lines) + "\n"


def tracker_imported_delete() -> None:
    from support.models import Ticket, TrackerImport

    # The tickets first: deleting them writes their last history rows.
    Ticket.objects.filter(source="zendesk", source_id__startswith=SOURCE_ID_PREFIX).delete()
    Ticket.history.filter(source="zendesk", source_id__startswith=SOURCE_ID_PREFIX).delete()
    TrackerImport.objects.filter(file_name="bench-zendesk.csv").delete()


def tracker_import_seconds(text: str, *, person, expected: int) -> tuple[float, float]:
    """Seconds to check every row, and to import them, the way the import's pages do it."""
    from django.test.utils import override_settings

    from opsconsole.models import TaskRun
    from opsconsole.tasking.services import Origin, task_run_request
    from support.tracker_imports.checking import Matching, tracker_import_check, tracker_import_start

    started = time.monotonic()
    tracker_import = tracker_import_start(text=text, encoding="utf-8", into="tickets", file_name="bench-zendesk.csv",
                                          person=person, time_zone="Australia/Sydney")
    matching = Matching.from_import(tracker_import)
    matching.default_kind = "external_dev_inquiry"  # the export's rows without a type
    tracker_import_check(tracker_import=tracker_import, matching=matching, user=person)
    checked = time.monotonic()
    with override_settings(TASK_RUNNER="inline"):  # the run, in this process, as a worker runs it
        run = task_run_request(slug="import-tracker-file", target_id=tracker_import.pk, raw_params={},
                               reason="Benchmark", origin=Origin(user=person, source=TaskRun.Source.CLI))
    imported = time.monotonic()
    run.refresh_from_db()
    if run.status != TaskRun.Status.SUCCEEDED or run.tally.get("created") != expected:
        raise RuntimeError(f"the tracker import did not create {expected} tickets: {run.status} {run.outcome}")
    return checked - started, imported - checked


def tracker_import_benchmark(*, rows: int) -> dict:
    from django.contrib.auth import get_user_model

    from support.models import Ticket
    from support.resources import TicketResource

    person, _ = get_user_model().objects.get_or_create(username="bench-importer",
                                                       defaults={"is_staff": True, "is_superuser": True})
    tracker_imported_delete()
    imported_delete(BASELINE_PREFIX)
    try:
        tracker_import_seconds(zendesk_export(20), person=person, expected=20)  # caches and connections
        tracker_imported_delete()
        log(f"Tracker import: {rows:,} rows of a Zendesk export, checked and imported")
        check_seconds, write_seconds = tracker_import_seconds(zendesk_export(rows), person=person, expected=rows)
        history_rows = Ticket.history.filter(source="zendesk", source_id__startswith=SOURCE_ID_PREFIX).count()
        log(f"Tracker import: {rows:,} tickets through the console's own CSV import")
        baseline_seconds = import_seconds(TicketResource(), tickets_csv(prefix=BASELINE_PREFIX, rows=rows,
                                                                        platforms=[""]), expected=rows)
    finally:
        tracker_imported_delete()
        imported_delete(BASELINE_PREFIX)
        tickets_vacuum()
    seconds = check_seconds + write_seconds
    rate, baseline_rate = rows / seconds, rows / baseline_seconds
    return {
        "name": "tracker import", "kind": "tracker_import", "unit": "rows/s", "rate": round(rate, 1),
        "baseline_rate": round(baseline_rate, 1), "ratio": round(rate / baseline_rate, 2), "rows": rows,
        "seconds": round(seconds, 1), "check_seconds": round(check_seconds, 1),
        "baseline_seconds": round(baseline_seconds, 1), "history_rows": history_rows,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Tracker import throughput, as one JSON record.")
    parser.add_argument("--database", required=True)
    parser.add_argument("--rows", type=int, required=True)
    arguments = parser.parse_args(argv)
    from bench.environment import django_setup_for

    django_setup_for(arguments.database)
    print(json.dumps(tracker_import_benchmark(rows=arguments.rows)))


if __name__ == "__main__":
    main()
