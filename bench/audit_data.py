"""Two years of the audit trail: sign-ins by the staff, and change-email task runs with the
events their steps write, hash-chained exactly as audit/services/recording.py chains them."""

import csv
import datetime
import io
import itertools

from bench.bulk_load import Step

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
TASK_REQUESTERS = ("ops", "lead", "engineer")
SIGNING_IN = ("ops", "lead", "engineer", "developer", "auditor")
AUDIT_COLUMNS = ("id", "occurred_at", "action", "outcome", "actor_id", "actor_name", "source", "ip_address",
                 "user_agent", "object_type_id", "object_id", "object_repr", "task_run_id", "task_slug", "high_risk",
                 "summary", "details", "previous_hash", "record_hash")
NULL = r"\N"


def ip_of(number: int) -> str:
    return f"10.20.{number % 250}.{number * 7 % 250 + 1}"


def task_runs_create(shape, people) -> list:
    """Change-email runs spread over the two years, through the ORM so every field the model
    has, now or later, gets its default."""
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Customer
    from opsconsole.models import TaskRun
    from opsconsole.tasking.registry import registry

    task = registry.get("change-email")
    customer_type = ContentType.objects.get_for_model(Customer)
    count = shape.task_runs
    customer_ids = [(k * 7919) % shape.customers + 1 for k in range(count)]
    customers = Customer.objects.in_bulk(customer_ids)
    runs = []
    for k, customer_id in enumerate(customer_ids):
        customer = customers[customer_id]
        requester = people[TASK_REQUESTERS[k % len(TASK_REQUESTERS)]]
        at = shape.items_start + (k + 0.5) * (shape.anchor - shape.items_start) / count
        spread = datetime.datetime.fromtimestamp(at, tz=datetime.UTC).replace(microsecond=0)
        requested = max(spread, customer.created_at + datetime.timedelta(days=1))
        old_email = f"old.{customer.email}"
        runs.append(TaskRun(
            task_slug=task.slug, task_title=task.title, target_type=customer_type, target_id=str(customer.pk),
            target_repr=str(customer)[:255], platform_id=customer.platform_id, requested_by=requester,
            source=TaskRun.Source.WEB, ip_address=ip_of(k), user_agent=USER_AGENT,
            params={"new_email": customer.email}, reason="Customer asked by phone", ticket_reference=f"SUP-{k + 1000}",
            diff=[{"record": str(customer), "field": "email", "before": old_email, "after": customer.email}],
            status=TaskRun.Status.SUCCEEDED, outcome=f"Email changed to {customer.email}.",
            started_at=requested + datetime.timedelta(seconds=1), finished_at=requested + datetime.timedelta(seconds=2),
            heartbeat_at=requested + datetime.timedelta(seconds=1), duration_ms=180, attempts=1,
        ))
    created = TaskRun.objects.bulk_create(runs, batch_size=2000)
    for run in created:
        run.requested_at = run.started_at - datetime.timedelta(seconds=1)
    return created


def task_events(runs) -> list[dict]:
    from audit.models import AuditEvent

    events = []
    for run in runs:
        common = {"actor_id": run.requested_by_id, "actor_name": run.requested_by.username, "source": "web",
                  "ip_address": run.ip_address, "user_agent": run.user_agent, "object_type_id": run.target_type_id,
                  "object_id": run.target_id, "object_repr": run.target_repr, "task_run_id": run.pk,
                  "task_slug": run.task_slug, "high_risk": False, "outcome": AuditEvent.Outcome.SUCCESS}
        events.append({**common, "occurred_at": run.requested_at, "action": AuditEvent.Action.TASK_REQUESTED,
                       "summary": f"{run.task_title}: {run.reason}",
                       "details": {"status": "queued", "reason": run.reason, "ticket": run.ticket_reference}})
        events.append({**common, "occurred_at": run.finished_at, "action": AuditEvent.Action.TASK_SUCCEEDED,
                       "summary": f"{run.task_title}: {run.outcome}",
                       "details": {"status": run.status, "reason": run.reason, "ticket": run.ticket_reference}})
    return events


def sign_in_events(shape, people, count: int) -> list[dict]:
    from audit.models import AuditEvent

    events = []
    start = shape.items_start
    for k in range(count):
        username = SIGNING_IN[k % len(SIGNING_IN)]
        at = datetime.datetime.fromtimestamp(start + (k + 0.25) * (shape.anchor - start) / max(count, 1),
                                             tz=datetime.UTC).replace(microsecond=0)
        event = {"occurred_at": at, "source": "web", "ip_address": ip_of(k), "user_agent": USER_AGENT,
                 "object_type_id": None, "object_id": "", "object_repr": "", "task_run_id": None, "task_slug": "",
                 "high_risk": False, "details": {}}
        if k % 20 == 7:
            event.update(action=AuditEvent.Action.LOGIN_FAILED, outcome=AuditEvent.Outcome.FAILURE, actor_id=None,
                         actor_name=username, summary=f"Wrong username or password for {username!r}")
        elif k % 5 == 3:
            event.update(action=AuditEvent.Action.LOGOUT, outcome=AuditEvent.Outcome.SUCCESS,
                         actor_id=people[username].pk, actor_name=username, summary="Signed out")
        else:
            event.update(action=AuditEvent.Action.LOGIN, outcome=AuditEvent.Outcome.SUCCESS,
                         actor_id=people[username].pk, actor_name=username, summary="Signed in")
        events.append(event)
    return events


def chained_rows(events: list[dict]):
    """Number the events in time order and chain their hashes with the console's own function."""
    from audit.chain import GENESIS_HASH, chained_hash

    previous = GENESIS_HASH
    for number, event in enumerate(sorted(events, key=lambda event: event["occurred_at"]), start=1):
        event["id"] = number
        event["previous_hash"] = previous
        event["record_hash"] = previous = chained_hash(previous, event)
        yield event


def csv_value(value):
    if value is None:
        return NULL
    if isinstance(value, dict):
        import json

        return json.dumps(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def audit_events_copy(connection, events: list[dict]) -> None:
    rows = chained_rows(events)
    while chunk := list(itertools.islice(rows, 50_000)):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for event in chunk:
            writer.writerow([csv_value(event[column]) for column in AUDIT_COLUMNS])
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY audit_auditevent ({', '.join(AUDIT_COLUMNS)}) FROM STDIN "
                               f"WITH (FORMAT csv, NULL '{NULL}')", buffer)


def audit_steps(shape, people) -> list[Step]:
    runs = []

    def make_runs(connection):
        from django.db import connection as django_connection

        try:
            runs.extend(task_runs_create(shape, people))
        finally:
            django_connection.close()
        with connection.cursor() as cursor:
            cursor.execute("UPDATE opsconsole_taskrun SET requested_at = started_at - interval '1 second'")

    def write_trail(connection):
        events = task_events(runs)
        events += sign_in_events(shape, people, max(0, shape.audit_events - len(events)))
        audit_events_copy(connection, events)

    return [
        Step("table opsconsole_taskrun", run=make_runs, after={"table accounts_customer"}),
        Step("table audit_auditevent", run=write_trail, after={"table opsconsole_taskrun"}),
    ]
