"""Raising a ticket, adding a reply or note to it, and resolving it.

A ticket resolved while a succeeded task run quotes its reference was answered by a task (the
person ran it from the ticket, or quoted the ticket when running it), so it is counted as
self-served in the reports. Every other change of status belongs to triage and the clocks
(`support.services.triage`, `support.services.clocks`).
"""

import uuid

from django.db import transaction
from django.utils import timezone

from opsconsole.errors import OpsError
from support.models import Ticket, TicketMessage
from support.rota import ticket_default_assignee
from support.services.clocks import ticket_set_status
from support.ticket_page import ticket_has_succeeded_run

ALREADY_FINISHED = "This ticket is already {status}: there is nothing to resolve."
FINISHED_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


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


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, by, explained: bool = False) -> Ticket:
    """Mark `ticket` resolved now, by `by` (kept in its history), as self-served when a succeeded
    task run carries its reference, else answered. Raises OpsError for a ticket already resolved
    or closed."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status in FINISHED_STATUSES:
        raise OpsError(ALREADY_FINISHED.format(status=ticket.get_status_display().lower()))
    if ticket_has_succeeded_run(ticket=ticket):
        resolution = Ticket.Resolution.SELF_SERVED
    elif explained:  # the person answered with what the object's explanation says
        resolution = Ticket.Resolution.EXPLAINED
    else:
        resolution = Ticket.Resolution.ANSWERED
    # Through the status service, so a pause ends and the clocks' final standing is kept.
    return ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, by=by, resolution=resolution)
