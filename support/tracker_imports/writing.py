"""Checked rows written as tickets or bugs: a record this export made before (same tracker, same
id) is updated where the row differs, anything else is created; each gets a history row naming
the importing person and the file. Tickets keep the file's times, and their SLA clocks are
worked out from them before they are written."""

import datetime
import uuid
from collections import Counter

from django.db.models import CharField, Prefetch, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from opsconsole.bulk_history import CHANGED, CREATED, history_rows_write
from opsconsole.platform_access import visible_platform_ids
from support.bugs import bug_fix_due_at
from support.clocks import ticket_apply_standings
from support.models import Bug, Ticket, TicketPause, TrackerImport, TrackerImportRow
from support.tracker_imports.checking import ID_IN_USE, UNKNOWN_PLATFORM

# A row's values that are not fields of the record, or are fields by another name.
TICKET_FIELDS = ("source_id", "source_reference", "subject", "description", "requester_name", "requester_email",
                 "kind", "priority", "status", "created_at", "first_responded_at", "resolved_at")
BUG_FIELDS = ("source_id", "source_reference", "title", "steps_to_reproduce", "expected_behaviour",
              "actual_behaviour", "severity", "status", "created_at", "fixed_at")
RELATED_FIELDS = {"assignee": "assignee_id", "platform": "platform_id", "owner": "owner_id"}
TIME_FIELDS = frozenset({"created_at", "first_responded_at", "resolved_at", "fixed_at", "updated_at"})


def row_fields(values: dict, names: tuple[str, ...]) -> dict:
    """The record's fields a row sets: only those its file has a column for."""
    fields = {}
    for name, value in values.items():
        if name in RELATED_FIELDS:
            fields[RELATED_FIELDS[name]] = value
        elif name in names:
            fields[name] = datetime.datetime.fromisoformat(value) if name in TIME_FIELDS and value else value
    return fields


def rows_write(*, tracker_import: TrackerImport, rows: list[TrackerImportRow], user, change_reason: str) -> Counter:
    """Write `rows` (checked, to import, locked by the caller) as `user`, each record's history
    row saying `change_reason`, and mark each row with its outcome and record; the rows by outcome.
    The records the rows name are looked up again here, under a lock: one another import made
    since the check is updated, not made twice. Whoever runs the import, a row of a platform they
    may not see, or matching a record of one, is rejected as the check would have rejected it for
    them."""
    source = tracker_import.mapping["source"]
    model = Ticket if tracker_import.into == TrackerImport.Into.TICKETS else Bug
    names = TICKET_FIELDS if model is Ticket else BUG_FIELDS
    ids = [row.values["source_id"] for row in rows if row.values.get("source_id")]
    existing = {record.source_id: record for record in
                model.objects.select_for_update(no_key=True).filter(source=source, source_id__in=ids)}
    created, changed, waiting_changes = [], [], []
    platforms = visible_platform_ids(user) if model is Ticket else None
    for row in rows:
        if problem := platforms is not None and row_hidden_from(row, existing, platforms, tracker_import):
            row.outcome, row.problems = TrackerImportRow.Outcome.REJECTED, [problem]
            continue
        fields = row_fields(row.values, names)
        if model is Bug and "severity" in fields:
            fields["fix_due_at"] = bug_fix_due_at(severity=fields["severity"],
                                                  reported_at=fields.get("created_at") or timezone.now())
        record = existing.get(row.values.get("source_id")) if row.values.get("source_id") else None
        if record is None:
            record = model(source=source, **fields)
            if model is Ticket:
                record.reference = f"new-{uuid.uuid4().hex[:12]}"
            created.append((row, record))
        elif any(getattr(record, name) != value for name, value in fields.items()):
            was_waiting = model is Ticket and record.status == Ticket.Status.WAITING_ON_REQUESTER
            for name, value in fields.items():
                setattr(record, name, value)
            changed.append((row, record))
            if model is Ticket and was_waiting != (record.status == Ticket.Status.WAITING_ON_REQUESTER):
                waiting_changes.append((record, row.values))
        else:
            row.outcome, row.record_id = TrackerImportRow.Outcome.UNCHANGED, record.pk
        if model is Ticket and record.pk is None and record.status == Ticket.Status.WAITING_ON_REQUESTER:
            waiting_changes.append((record, row.values))
    if model is Ticket:
        # A new ticket's clocks are worked out before it is written: its only pause is the one
        # it is created with.
        now, paused_since = timezone.now(), {id(record): values for record, values in waiting_changes}
        for _, record in created:
            values = paused_since.get(id(record))
            ticket_apply_standings(record, now, [(waiting_start(record, values), None)] if values else [])
    model.objects.bulk_create([record for _, record in created])
    if model is Ticket and created:
        Ticket.objects.filter(pk__in=[record.pk for _, record in created]).update(
            reference=Concat(Value("SUP-"), Cast("pk", CharField())))
    if changed:
        update_fields = sorted({name for row, _ in changed for name in row_fields(row.values, names)}
                               | ({"fix_due_at"} if model is Bug else set()))
        model.objects.bulk_update([record for _, record in changed], update_fields)
    if model is Ticket:
        tickets_pause_changes(waiting_changes)
        tickets_refresh_standings([record.pk for _, record in changed])
    for history_type, written in ((CREATED, created), (CHANGED, changed)):
        if written:
            history_rows_write(model, [record.pk for _, record in written],
                               history_type=history_type, user=user, change_reason=change_reason)
    for outcome, written in ((TrackerImportRow.Outcome.CREATED, created), (TrackerImportRow.Outcome.UPDATED, changed)):
        for row, record in written:
            row.outcome, row.record_id = outcome, record.pk
    rows_mark(rows)
    return Counter(row.outcome for row in rows)


def rows_mark(rows: list[TrackerImportRow]) -> None:
    """Each row's outcome, record and problems saved: one statement per outcome, a field at a time
    (`bulk_update` of many fields costs more than the import's own writes)."""
    by_outcome = {}
    for row in rows:
        by_outcome.setdefault(row.outcome, []).append(row.pk)
    for outcome, ids in by_outcome.items():
        TrackerImportRow.objects.filter(pk__in=ids).update(outcome=outcome)
    TrackerImportRow.objects.bulk_update([row for row in rows if row.record_id is not None], ["record_id"])
    TrackerImportRow.objects.bulk_update([row for row in rows if row.problems], ["problems"])


def row_hidden_from(row: TrackerImportRow, existing: dict, platforms: frozenset[int],
                    tracker_import: TrackerImport) -> list[str] | None:
    """The [column, problem] that keeps a ticket row out for someone who sees only `platforms`."""
    columns = tracker_import.mapping["columns"]
    platform_id = row.values.get("platform")
    if platform_id is not None and platform_id not in platforms:
        cell = row.cells[tracker_import.headers.index(columns["platform"])]
        return [columns["platform"], UNKNOWN_PLATFORM.format(value=cell)]
    record = existing.get(row.values.get("source_id"))
    if record is not None and record.platform_id is not None and record.platform_id not in platforms:
        return [columns["source_id"], ID_IN_USE.format(value=record.source_id)]
    return None


def tickets_pause_changes(waiting_changes: list[tuple[Ticket, dict]]) -> None:
    """A ticket that now waits on its requester is paused from the row's last update (the
    export's best evidence of when it began to wait); one that no longer waits is resumed then."""
    pauses, ended = [], []
    for ticket, values in waiting_changes:
        since = waiting_start(ticket, values)
        if ticket.status == Ticket.Status.WAITING_ON_REQUESTER:
            pauses.append(TicketPause(ticket=ticket, started_at=since))
        else:
            ended.append((ticket.pk, since))
    TicketPause.objects.bulk_create(pauses)
    for ticket_id, since in ended:
        TicketPause.objects.filter(ticket_id=ticket_id, ended_at__isnull=True).update(ended_at=since)


def waiting_start(ticket: Ticket, values: dict) -> datetime.datetime:
    """When a row's ticket began, or stopped, waiting: the row's last update, never before it was
    created."""
    since = datetime.datetime.fromisoformat(values.get("updated_at") or values["created_at"])
    return max(since, ticket.created_at)


def tickets_refresh_standings(ticket_ids: list[int]) -> None:
    """The SLA fields of the tickets written, from their clocks as at now: met or breached for a
    solved ticket, on track, at risk or breached for an open one."""
    if not ticket_ids:
        return
    now = timezone.now()
    tickets = list(Ticket.objects.filter(pk__in=ticket_ids).prefetch_related(
        Prefetch("pauses", queryset=TicketPause.objects.only("ticket_id", "started_at", "ended_at"))))
    restood = [ticket for ticket in tickets if ticket_apply_standings(ticket, now)]
    Ticket.objects.bulk_update(restood, ["first_response_sla", "resolution_sla"])

