"""Ticket import throughput through django-import-export: the console's TicketResource against a
resource over the same columns with the library's defaults, in the same run. Both write a
history row per ticket (django-simple-history).

    python -m bench.ticket_import --database opsconsole_bench --rows 5000

Prints a JSON record; the imported tickets are deleted again afterwards.
"""

import argparse
import json
import time

from bench.bulk_load import log

KINDS = ["internal_task", "internal_ops_problem", "external_ops_problem", "external_dev_inquiry",
         "external_dev_problem"]
PRIORITIES = ["low", "normal", "normal", "high", "urgent"]
WARM_UP_ROWS = 20


def library_default_resource():
    """The resource a person writes from the library's documentation: the model, the columns of
    the file, the id column and the one foreign key by its natural key; every other option left
    at the library's default."""
    from import_export import fields, resources, widgets

    from accounts.models import Platform
    from support.models import Ticket
    from support.resources import TicketResource

    class LibraryDefaultTicketResource(resources.ModelResource):
        platform = fields.Field(attribute="platform", column_name="platform",
                                widget=widgets.ForeignKeyWidget(Platform, field="client_id"))

        class Meta:
            model = Ticket
            import_id_fields = ("reference",)
            fields = TicketResource._meta.fields

    return LibraryDefaultTicketResource()


def tickets_csv(*, prefix: str, rows: int, platforms: list[str]) -> str:
    """A tracker's export: one line per ticket, new references only."""
    lines = ["reference,kind,priority,status,resolution,subject,description,requester_name,requester_email,platform,"
             "customer_affected,created_at,first_responded_at,resolved_at"]
    for number in range(rows):
        kind = KINDS[number % len(KINDS)]
        lines.append(
            f"{prefix}{number:06d},{kind},{PRIORITIES[number % len(PRIORITIES)]},new,,"
            f"Callbacks stopped arriving ({number}),\"Since this morning our endpoint gets no callbacks, "
            f"request {number}\",Dev {number},dev{number}@platform.example.com,{platforms[number % len(platforms)]},"
            f"{number % 2},2026-10-01 10:{number % 60:02d}:00,,"
        )
    return "\n".join(lines) + "\n"


def import_seconds(resource, csv_text: str, *, expected: int) -> float:
    from tablib import Dataset

    dataset = Dataset().load(csv_text, format="csv")
    started = time.monotonic()
    result = resource.import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.monotonic() - started
    if result.has_errors() or result.has_validation_errors() or result.totals.get("new") != expected:
        raise RuntimeError(f"the import did not create {expected} tickets: {dict(result.totals)}")
    return seconds


def imported_delete(prefix: str) -> int:
    from support.models import Ticket

    Ticket.history.filter(reference__startswith=prefix).delete()
    deleted, _ = Ticket.objects.filter(reference__startswith=prefix).delete()
    return deleted


def tickets_vacuum() -> None:
    """The deleted tickets' dead rows cleared, for a server that does not vacuum by itself."""
    from django.db import connection

    from support.models import Ticket

    with connection.cursor() as cursor:
        for table in (Ticket._meta.db_table, Ticket.history.model._meta.db_table):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def import_benchmark(*, rows: int) -> dict:
    from accounts.models import Platform
    from support.models import Ticket
    from support.resources import TicketResource

    platforms = list(Platform.objects.values_list("client_id", flat=True)[:5])
    console, default = TicketResource(), library_default_resource()
    for prefix in ("IMPW", "IMPC", "IMPD"):
        imported_delete(prefix)
    try:
        for resource in (console, default):  # fill the caches and connections both need
            import_seconds(resource, tickets_csv(prefix="IMPW", rows=WARM_UP_ROWS, platforms=platforms),
                           expected=WARM_UP_ROWS)
            imported_delete("IMPW")
        log(f"Import: {rows:,} tickets through the console's TicketResource")
        console_seconds = import_seconds(console, tickets_csv(prefix="IMPC", rows=rows, platforms=platforms),
                                         expected=rows)
        log(f"Import: {rows:,} tickets with the library's defaults")
        default_seconds = import_seconds(default, tickets_csv(prefix="IMPD", rows=rows, platforms=platforms),
                                         expected=rows)
        history_rows = Ticket.history.filter(reference__startswith="IMPC").count()
    finally:
        for prefix in ("IMPW", "IMPC", "IMPD"):
            imported_delete(prefix)
        tickets_vacuum()
    rate, baseline_rate = rows / console_seconds, rows / default_seconds
    return {
        "name": "ticket import", "kind": "import", "unit": "rows/s", "rate": round(rate, 1),
        "baseline_rate": round(baseline_rate, 1), "ratio": round(rate / baseline_rate, 2), "rows": rows,
        "seconds": round(console_seconds, 1), "baseline_seconds": round(default_seconds, 1),
        "history_rows": history_rows,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Ticket import throughput, as one JSON record.")
    parser.add_argument("--database", required=True)
    parser.add_argument("--rows", type=int, required=True)
    arguments = parser.parse_args(argv)
    from bench.environment import django_setup_for

    django_setup_for(arguments.database)
    print(json.dumps(import_benchmark(rows=arguments.rows)))


if __name__ == "__main__":
    main()
