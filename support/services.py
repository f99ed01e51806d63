"""Writes to the support workspace. Support records are the team's own, not payment data, so
they change here directly; each change is kept in their history."""

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from support.models import Bug, Ticket, TicketMessage
from support.rota import ticket_default_assignee

# Fix-time targets by severity, in calendar days.
BUG_FIX_DAYS = {Bug.Severity.S1: 7, Bug.Severity.S2: 30, Bug.Severity.S3: 60, Bug.Severity.S4: 90}


def ticket_reference_for(pk: int) -> str:
    return f"SUP-{pk}"


@transaction.atomic
def ticket_create(**fields) -> Ticket:
    """A new ticket with its reference (SUP-<id>); `created_at` defaults to now, and the
    assignee to the person on duty that day (see `support.rota`)."""
    fields.setdefault("created_at", timezone.now())
    if fields.get("assignee") is None and fields.get("assignee_id") is None:
        fields["assignee"] = ticket_default_assignee(on=fields["created_at"])
    # A placeholder that fits the column (16) and is unique even when the clock stands still.
    ticket = Ticket(reference=f"new-{uuid.uuid4().hex[:12]}", **fields)
    ticket.save()
    ticket.reference = ticket_reference_for(ticket.pk)
    ticket.save(update_fields=["reference"])
    return ticket


def ticket_add_message(*, ticket: Ticket, author, visibility: str, body: str) -> TicketMessage:
    """A reply starts the first-response clock's stop; an internal note does not."""
    message = TicketMessage.objects.create(ticket=ticket, author=author, visibility=visibility, body=body)
    if visibility == TicketMessage.Visibility.REPLY and ticket.first_responded_at is None:
        ticket.first_responded_at = message.created_at
        ticket.save(update_fields=["first_responded_at"])
    return message


def bug_fix_due_at(*, severity: str, reported_at: datetime.datetime) -> datetime.datetime:
    return reported_at + datetime.timedelta(days=BUG_FIX_DAYS[severity])
