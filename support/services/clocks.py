"""A ticket's status changes, which start and stop its SLA clocks, and the marking of open tickets
on track, at risk or breached.

A pause (`TicketPause`) is opened when a ticket starts waiting on its requester and closed when it
stops; resolving or closing a ticket stops its clocks at their final standing. The clocks
themselves are read in `support.clocks`.
"""

import datetime

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from opsconsole.errors import OpsError
from support.clocks import CLOSED_STATUSES, ticket_apply_standings, ticket_status_problem
from support.models import Ticket, TicketPause

# Tickets read, and written back, per round trip of the periodic job.
REFRESH_CHUNK_SIZE = 500

ALREADY_PAUSED = "{reference} is already waiting on its requester."
NOT_PAUSED = "{reference} is not waiting on its requester."


def ticket_refresh_sla(*, ticket: Ticket, now: datetime.datetime | None = None) -> bool:
    """Bring one ticket's SLA fields up to date (after its kind, priority or status changed);
    whether they changed. Saved only if they did."""
    if not ticket_apply_standings(ticket, now or timezone.now()):
        return False
    ticket.save(update_fields=["first_response_sla", "resolution_sla"])
    return True


def tickets_refresh_sla(*, now: datetime.datetime | None = None) -> int:
    """Mark every open ticket on track, at risk (no more than 20 % of a target left) or breached
    by its clocks as at `now`; the number of tickets whose marking changed.

    Run by the periodic job (`support.tasks.refresh_ticket_slas`). Reads open tickets in chunks
    of `REFRESH_CHUNK_SIZE` with their pauses (two queries a chunk) and writes back only the
    changed ones, with their history, in one bulk update a chunk.
    """
    now = now or timezone.now()
    open_tickets = (
        Ticket.objects.exclude(status__in=CLOSED_STATUSES)
        .only("pk", "kind", "priority", "customer_affected", "status", "created_at", "first_responded_at",
              "resolved_at", "first_response_sla", "resolution_sla")
        .prefetch_related(Prefetch("pauses", queryset=TicketPause.objects.only("ticket_id", "started_at", "ended_at")))
        .order_by("pk")
    )
    changed_count, changed = 0, []
    for ticket in open_tickets.iterator(chunk_size=REFRESH_CHUNK_SIZE):
        if ticket_apply_standings(ticket, now):
            changed.append(ticket)
        if len(changed) == REFRESH_CHUNK_SIZE:
            changed_count += _save_standings(changed)
            changed = []
    return changed_count + _save_standings(changed)


def _save_standings(tickets: list[Ticket]) -> int:
    if not tickets:
        return 0
    # Whole rows for the history records: `only()` left the other fields deferred.
    fresh = {ticket.pk: ticket for ticket in Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets])}
    for ticket in tickets:
        fresh[ticket.pk].first_response_sla = ticket.first_response_sla
        fresh[ticket.pk].resolution_sla = ticket.resolution_sla
    with transaction.atomic():
        bulk_update_with_history(list(fresh.values()), Ticket, ["first_response_sla", "resolution_sla"],
                                 default_change_reason="SLA clocks refreshed")
    return len(tickets)


def ticket_pause(*, ticket: Ticket, at: datetime.datetime | None = None) -> TicketPause:
    """Stop the ticket's clocks from `at` (now): it waits on its requester. Refused while a pause
    is already open."""
    if ticket.pauses.filter(ended_at__isnull=True).exists():
        raise OpsError(ALREADY_PAUSED.format(reference=ticket.reference))
    return TicketPause.objects.create(ticket=ticket, started_at=at or timezone.now())


def ticket_resume(*, ticket: Ticket, at: datetime.datetime | None = None) -> TicketPause:
    """Restart the ticket's clocks from `at` (now): the requester answered. Refused without an
    open pause."""
    pause = ticket.pauses.filter(ended_at__isnull=True).order_by("-started_at").first()
    if pause is None:
        raise OpsError(NOT_PAUSED.format(reference=ticket.reference))
    pause.ended_at = max(at or timezone.now(), pause.started_at)
    pause.save(update_fields=["ended_at"])
    return pause


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, by, now: datetime.datetime | None = None,
                      resolution: str = "") -> Ticket:
    """Move the ticket to `status`, keeping its clocks right.

    Into waiting on requester the clocks pause; out of it they resume. Into resolved or closed
    `resolved_at` is set (kept if already set) with `resolution`, and the SLA fields take the
    stopped clocks' final standing; back out of them (reopened) `resolved_at` and the resolution
    are cleared. Waiting on bug needs the bug linked first. The same status again changes nothing.
    """
    if problem := ticket_status_problem(status=status, bug_id=ticket.bug_id):
        raise OpsError(problem, field="status")
    if status == ticket.status:
        return ticket
    now = now or timezone.now()
    leaving, entering = ticket.status, status
    if leaving == Ticket.Status.WAITING_ON_REQUESTER and entering != leaving:
        ticket_resume(ticket=ticket, at=now)
    if entering == Ticket.Status.WAITING_ON_REQUESTER and entering != leaving:
        ticket_pause(ticket=ticket, at=now)
    ticket.status = entering
    if entering in CLOSED_STATUSES:
        ticket.resolved_at = ticket.resolved_at or now
        ticket.resolution = resolution or ticket.resolution
    elif leaving in CLOSED_STATUSES:
        ticket.resolved_at, ticket.resolution = None, ""
    # Read afresh, with the pause just opened or closed: a list page may have prefetched them before.
    paused = list(TicketPause.objects.filter(ticket=ticket).values_list("started_at", "ended_at"))
    ticket_apply_standings(ticket, now, paused_intervals=paused)
    ticket._history_user = by
    ticket.save()
    return ticket
