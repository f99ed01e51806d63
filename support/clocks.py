"""A ticket's SLA clocks from its records, their standing, and whether a ticket may move to a
status. Moving it, and marking open tickets at risk or breached, are `support.services.clocks`.

The arithmetic is `support.sla`'s (business hours, pauses); this module feeds it what the
database holds: the ticket's kind, priority and affected customer for its targets, its
`TicketPause` rows, `first_responded_at` and `resolved_at`.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from opsconsole.business_calendar import SUPPORT_CALENDAR
from support.models import Ticket
from support.sla import Clock, sla_clock, sla_target_for

# A ticket in one of these statuses is done: its clocks have stopped and the periodic job skips it.
CLOSED_STATUSES = frozenset({Ticket.Status.RESOLVED, Ticket.Status.CLOSED})

UNKNOWN_STATUS = "There is no ticket status called {status!r}."
WAITING_ON_BUG_NEEDS_A_BUG = "Link the bug the ticket waits on before setting it to waiting on bug."


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


def ticket_status_problem(*, status: str, bug_id: int | None) -> str | None:
    """Why a ticket linked to `bug_id` (or to none) cannot move to `status`, or None when it can:
    asked before anything is saved, and again by `ticket_set_status`."""
    if status not in Ticket.Status.values:
        return UNKNOWN_STATUS.format(status=status)
    if status == Ticket.Status.WAITING_ON_BUG and bug_id is None:
        return WAITING_ON_BUG_NEEDS_A_BUG
    return None


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
