"""Escalating a ticket to the week's lead, and swapping who is on duty.

Escalation goes to the week's lead, never to a person named by the escalator: no single senior
person is one every hard ticket must pass through. A swap hands on only the week's new tickets;
the swap itself is kept (`RotaSwap`), with who made it and why. The rota is read in `support.rota`.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from opsconsole.errors import OpsError
from opsconsole.people import person_name
from support.clocks import CLOSED_STATUSES
from support.models import Priority, RotaSwap, RotaWeek, Ticket
from support.rota import rota_week_for, rota_week_starting
from support.services.clocks import ticket_refresh_sla

# Priorities from the most pressing; escalation raises a ticket to at least `ESCALATED_PRIORITY`.
PRIORITY_ORDER = [Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW]
ESCALATED_PRIORITY = Priority.HIGH

NO_ROTA_WEEK = "Nobody is on the rota for the week of {monday:%d %b %Y}: add the week to the duty rota first."
ESCALATE_CLOSED_TICKET = "{reference} is {status}: reopen it before escalating."
SWAP_NEEDS_REASON = "Say why the duty changes hands."
SWAP_REASON_MAX = RotaSwap._meta.get_field("reason").max_length
SWAP_REASON_TOO_LONG = f"Say why in at most {SWAP_REASON_MAX} characters."
SWAP_TO_SAME_PERSON = "{name} is already on duty that week."
SWAP_TO_NON_WORKER = "{name} cannot work support tickets, so cannot be on duty."
NOT_ALLOWED_TO_ESCALATE = "Only someone who works support tickets can escalate one."
NOT_ALLOWED_TO_SWAP = "Only someone who runs the duty rota can swap who is on duty."


def _can_work_tickets(person) -> bool:
    return person.is_active and person.has_perm("support.change_ticket")


@transaction.atomic
def ticket_escalate(*, ticket: Ticket, by, now: datetime.datetime | None = None) -> Ticket:
    """Give the ticket to this week's lead and raise it to at least high priority. Refused for a
    resolved or closed ticket, and when this week has no rota (escalation has nobody to go to)."""
    now = now or timezone.now()
    if not by.has_perm("support.change_ticket"):
        raise OpsError(NOT_ALLOWED_TO_ESCALATE)
    if ticket.status in CLOSED_STATUSES:
        raise OpsError(ESCALATE_CLOSED_TICKET.format(reference=ticket.reference,
                                                     status=ticket.get_status_display().lower()))
    week = rota_week_for(on=now)
    if week is None:
        raise OpsError(NO_ROTA_WEEK.format(monday=rota_week_starting(on=now)))
    ticket.assignee = week.lead
    if PRIORITY_ORDER.index(ticket.priority) > PRIORITY_ORDER.index(ESCALATED_PRIORITY):
        ticket.priority = ESCALATED_PRIORITY
    ticket._history_user = by
    ticket._change_reason = f"Escalated to the lead of the {week}"
    ticket.save(update_fields=["assignee", "priority"])
    ticket_refresh_sla(ticket=ticket, now=now)
    return ticket


@transaction.atomic
def rota_swap(*, week: RotaWeek, new_on_duty, reason: str, by) -> RotaSwap:
    """Hand the week's duty to `new_on_duty`, recording who swapped, from whom and why. Tickets
    already assigned stay with whom they are; only new ones go to the new person."""
    if not by.has_perm("support.change_rotaweek"):
        raise OpsError(NOT_ALLOWED_TO_SWAP)
    reason = (reason or "").strip()
    if not reason:
        raise OpsError(SWAP_NEEDS_REASON, field="reason")
    if len(reason) > SWAP_REASON_MAX:
        raise OpsError(SWAP_REASON_TOO_LONG, field="reason")
    name = person_name(new_on_duty)
    week = RotaWeek.objects.select_for_update().get(pk=week.pk)
    if new_on_duty.pk == week.on_duty_id:
        raise OpsError(SWAP_TO_SAME_PERSON.format(name=name), field="new_on_duty")
    if not _can_work_tickets(new_on_duty):
        raise OpsError(SWAP_TO_NON_WORKER.format(name=name), field="new_on_duty")
    swap = RotaSwap.objects.create(week=week, previous_on_duty_id=week.on_duty_id, new_on_duty=new_on_duty,
                                   reason=reason, swapped_by=by)
    week.on_duty = new_on_duty
    week._history_user = by
    change_reason_max = RotaWeek.history.model._meta.get_field("history_change_reason").max_length
    week._change_reason = f"Swapped: {reason}"[:change_reason_max]  # the swap itself keeps it whole
    week.save(update_fields=["on_duty"])
    return swap
