"""Resolving a ticket, and whether the resolution counts as self-served.

A ticket resolved while a succeeded task run quotes its reference was answered by a task (the
person ran it from the ticket, or quoted the ticket when running it), so it is counted as
self-served in the reports. Every other change of status belongs to the triage and clocks services.
"""

from django.db import transaction

from opsconsole.errors import OpsError
from support.clocks import ticket_set_status
from support.models import Ticket
from support.ticket_page import ticket_has_succeeded_run

ALREADY_FINISHED = "This ticket is already {status}: there is nothing to resolve."
FINISHED_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


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
