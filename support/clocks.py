"""A ticket's SLA clocks from its records, the periodic marking of at-risk and breached tickets,
and the status changes that start and stop the clocks.

The arithmetic is `support.sla`'s (business hours, pauses); this module feeds it what the
database holds: the ticket's kind, priority and affected customer for its targets, its
`TicketPause` rows, `first_responded_at` and `resolved_at`.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from opsconsole.business_calendar import SUPPORT_CALENDAR
from opsconsole.errors import OpsError
from support.models import Ticket, TicketPause
from support.sla import Clock, sla_clock, sla_target_for

# A ticket in one of these statuses is done: its clocks have stopped and the periodic job skips it.
CLOSED_STATUSES = frozenset({Ticket.Status.RESOLVED, Ticket.Status.CLOSED})
# Tickets read, and written back, per round trip of the periodic job.
REFRESH_CHUNK_SIZE = 500

UNKNOWN_STATUS = "There is no ticket status called {status!r}."
WAITING_ON_BUG_NEEDS_A_BUG = "Link the bug the ticket waits on before setting it to waiting on bug."
ALREADY_PAUSED = "{reference} is already waiting on its requester."
NOT_PAUSED = "{reference} is not waiting on its requester."


@dataclass(frozen=True)
class TicketClocks:
    """The two SLA clocks of a ticket at one moment."""

    first_response: Clock
    resolution: Clock


def ticket_clocks(*, ticket: Ticket, now: datetime.datetime,
                  paused_intervals: list[tuple] | None = None) -> TicketClocks | None:
    """The ticket's first-response and resolution clocks as at `now`, or None when it has no SLA
    (an internal task that affects no customer).

    Both run from `created_at` and stand still during every `TicketPause`. The first-response
    clock stops at `first_responded_at`; a ticket resolved or closed without a reply stops it at
    `resolved_at` (its requester has their answer). The resolution clock stops at `resolved_at`.
    Reads `ticket.pauses.all()`, so prefetch `pauses` when asking for many tickets, unless given
    its `paused_intervals` ((start, end or None) pairs: a ticket not saved yet).
    """
    target = sla_target_for(kind=ticket.kind, priority=ticket.priority, customer_affected=ticket.customer_affected)
    if target is None:
        return None
    if paused_intervals is None:
        paused_intervals = [(pause.started_at, pause.ended_at) for pause in ticket.pauses.all()]
    first_response_stop = ticket.first_responded_at or ticket.resolved_at
    return TicketClocks(
        first_response=sla_clock(target=target.first_response, started_at=ticket.created_at, now=now,
                                 paused_intervals=paused_intervals, stopped_at=first_response_stop),
        resolution=sla_clock(target=target.resolution, started_at=ticket.created_at, now=now,
                             paused_intervals=paused_intervals, stopped_at=ticket.resolved_at),
    )


def ticket_apply_standings(ticket: Ticket, now: datetime.datetime, paused_intervals: list[tuple] | None = None) -> bool:
    """Set the ticket's two SLA fields from its clocks' standing, without saving; whether either
    changed. A ticket without an SLA keeps what it has. Reads `ticket.pauses.all()` unless given
    its `paused_intervals`."""
    clocks = ticket_clocks(ticket=ticket, now=now, paused_intervals=paused_intervals)
    if clocks is None:
        return False
    standings = (str(clocks.first_response.standing), str(clocks.resolution.standing))
    if standings == (ticket.first_response_sla, ticket.resolution_sla):
        return False
    ticket.first_response_sla, ticket.resolution_sla = standings
    return True


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
def ticket_status_problem(*, status: str, bug_id: int | None) -> str | None:
    """Why a ticket linked to `bug_id` (or to none) cannot move to `status`, or None when it can:
    asked before anything is saved, and again by `ticket_set_status`."""
    if status not in Ticket.Status.values:
        return UNKNOWN_STATUS.format(status=status)
    if status == Ticket.Status.WAITING_ON_BUG and bug_id is None:
        return WAITING_ON_BUG_NEEDS_A_BUG
    return None


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
    # A list page may have prefetched the pauses before this change.
    getattr(ticket, "_prefetched_objects_cache", {}).pop("pauses", None)
    ticket.status = entering
    if entering in CLOSED_STATUSES:
        ticket.resolved_at = ticket.resolved_at or now
        ticket.resolution = resolution or ticket.resolution
    elif leaving in CLOSED_STATUSES:
        ticket.resolved_at, ticket.resolution = None, ""
    ticket_apply_standings(ticket, now)
    ticket._history_user = by
    ticket.save()
    return ticket


CLOCK_LABELS = {"on_track": "On track", "at_risk": "At risk", "breached": "Breached", "met": "Met", "paused": "Paused"}


@dataclass(frozen=True)
class ShownClock:
    """A clock as the ticket's page shows it: its name, state, due moment in Sydney, and what is
    left (or over) in business hours."""

    name: str
    state: str
    label: str
    due: str
    hours_left: float


def ticket_clocks_shown(*, ticket: Ticket, now: datetime.datetime | None = None) -> list[ShownClock]:
    clocks = ticket_clocks(ticket=ticket, now=now or timezone.now())
    if clocks is None:
        return []
    return [
        ShownClock(name, str(clock.state), CLOCK_LABELS[clock.state],
                   clock.due_at.astimezone(SUPPORT_CALENDAR.time_zone).strftime("%a %d %b, %H:%M %Z"),
                   round(clock.remaining_seconds / 3600, 1))
        for name, clock in (("First response", clocks.first_response), ("Resolution", clocks.resolution))
    ]
