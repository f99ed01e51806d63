"""Marking a bug fixed, which hands its open tickets back for a follow-up to their requesters, and
setting a ticket waiting on a bug. Both take the row they change with SELECT … FOR UPDATE and keep
who changed it in its history; a ticket's status moves through `support.services.clocks`."""

import datetime

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from opsconsole.errors import OpsError
from support.clocks import CLOSED_STATUSES
from support.models import Bug, Ticket
from support.services.clocks import ticket_set_status

NOT_ALLOWED_TO_FIX = "Only someone who manages the bug queue can mark a bug fixed."
ALREADY_FIXED = "{bug} was already marked fixed on {fixed_at:%d %b %Y}."
NOT_ALLOWED_TO_WAIT_ON_BUG = "Only someone who works tickets can set one waiting on a bug."


@transaction.atomic
def bug_mark_fixed(*, bug: Bug, by, now: datetime.datetime | None = None) -> int:
    """Mark the bug fixed at `now` and flag its open tickets for a follow-up to their requesters;
    those waiting on the bug go back to in progress. The number of tickets flagged."""
    if not by.has_perm("support.change_bug"):
        raise OpsError(NOT_ALLOWED_TO_FIX)
    bug = Bug.objects.select_for_update().get(pk=bug.pk)
    if bug.status == Bug.Status.FIXED:
        raise OpsError(ALREADY_FIXED.format(bug=bug, fixed_at=bug.fixed_at))
    now = now or timezone.now()
    bug.status, bug.fixed_at = Bug.Status.FIXED, now
    bug._history_user = by
    bug.save(update_fields=["status", "fixed_at"])

    tickets = list(bug.tickets.exclude(status__in=CLOSED_STATUSES))
    for ticket in tickets:
        ticket.needs_follow_up = True
        # Waiting on a bug does not pause the clocks, so no pause ends here.
        if ticket.status == Ticket.Status.WAITING_ON_BUG:
            ticket.status = Ticket.Status.IN_PROGRESS
    bulk_update_with_history(tickets, Ticket, ["needs_follow_up", "status"], default_user=by,
                             default_change_reason=f"{bug} fixed")
    return len(tickets)


@transaction.atomic
def ticket_wait_on_bug(*, ticket: Ticket, bug: Bug, by, now: datetime.datetime | None = None) -> Ticket:
    """Link `ticket` to `bug` and set it waiting on the bug, through `ticket_set_status`: a pause
    for its requester ends, and a resolved ticket is reopened. A ticket already waiting on a bug
    only changes bug."""
    if not by.has_perm("support.change_ticket"):
        raise OpsError(NOT_ALLOWED_TO_WAIT_ON_BUG)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    ticket.bug = bug
    if ticket.status == Ticket.Status.WAITING_ON_BUG:
        ticket._history_user = by
        ticket.save(update_fields=["bug"])
        return ticket
    return ticket_set_status(ticket=ticket, status=Ticket.Status.WAITING_ON_BUG, by=by, now=now)

