"""The support team's bug queue: fixing a bug hands its tickets back for follow-up, and the bugs
past their fix-time target (issue 5, "The bug queue")."""

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from opsconsole.errors import OpsError
from support.clocks import CLOSED_STATUSES
from support.models import Bug, Ticket

OPEN_BUG_STATUSES = (Bug.Status.OPEN, Bug.Status.IN_PROGRESS)

NOT_ALLOWED_TO_FIX = "Only someone who manages the bug queue can mark a bug fixed."
ALREADY_FIXED = "{bug} was already marked fixed on {fixed_at:%d %b %Y}."


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


def bugs_overdue(*, now: datetime.datetime) -> QuerySet:
    """Open and in-progress bugs past their fix-time target, the longest overdue first."""
    return (Bug.objects.filter(status__in=OPEN_BUG_STATUSES, fix_due_at__lt=now)
            .select_related("owner").order_by("fix_due_at", "pk"))
