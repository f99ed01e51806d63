"""Triage of new tickets: accept (kind, priority, assignee), mark duplicate, or decline.

Anyone who works support tickets (`support.change_ticket`) can triage; the person on duty is
expected to, but nobody is a bottleneck. Every refusal leaves the ticket as it was. The ticket's
status moves through `support.services.clocks`; the inbox and the checks that read are
`support.triage`.
"""

import datetime

from django.db import transaction

from opsconsole.errors import OpsError
from opsconsole.people import person_name
from support.clocks import CLOSED_STATUSES
from support.models import Priority, Ticket, TicketKind
from support.services.clocks import ticket_set_status
from support.triage import GIVE_THE_ORIGINAL, TRIAGE_PERMISSION, ticket_duplicate_problem

NOT_ALLOWED_TO_TRIAGE = "Only someone who works support tickets can triage them."
ONLY_NEW_TICKETS = "{reference} is {status}, not new: it has been triaged already."
ALREADY_CLOSED = "{reference} is already {status}."
CHOOSE_A_KIND = "Choose the kind of ticket."
CHOOSE_A_PRIORITY = "Choose a priority."
CHOOSE_AN_ASSIGNEE = "Choose who works the ticket."
ASSIGNEE_CANNOT_WORK_TICKETS = "{name} cannot work support tickets."
DECLINE_NEEDS_REASON = "Say why the ticket is declined; the requester will be told."


def _check_may_triage(by) -> None:
    if not by.has_perm(TRIAGE_PERMISSION):
        raise OpsError(NOT_ALLOWED_TO_TRIAGE)


def _check_open(ticket: Ticket) -> None:
    if ticket.status in CLOSED_STATUSES:
        raise OpsError(ALREADY_CLOSED.format(reference=ticket.reference, status=ticket.get_status_display().lower()))


@transaction.atomic
def ticket_accept(*, ticket: Ticket, kind: str, priority: str, assignee, by,
                  now: datetime.datetime | None = None) -> Ticket:
    """Accept a new ticket as `kind` at `priority` for `assignee` (someone who works tickets):
    it becomes triaged and its clocks run on the targets of its kind and priority."""
    _check_may_triage(by)
    if ticket.status != Ticket.Status.NEW:
        raise OpsError(ONLY_NEW_TICKETS.format(reference=ticket.reference, status=ticket.get_status_display().lower()))
    if kind not in TicketKind.values:
        raise OpsError(CHOOSE_A_KIND, field="kind")
    if priority not in Priority.values:
        raise OpsError(CHOOSE_A_PRIORITY, field="priority")
    if assignee is None:
        raise OpsError(CHOOSE_AN_ASSIGNEE, field="assignee")
    if not (assignee.is_active and assignee.has_perm(TRIAGE_PERMISSION)):
        name = person_name(assignee)
        raise OpsError(ASSIGNEE_CANNOT_WORK_TICKETS.format(name=name), field="assignee")
    ticket.kind, ticket.priority, ticket.assignee = kind, priority, assignee
    return ticket_set_status(ticket=ticket, status=Ticket.Status.TRIAGED, by=by, now=now)


@transaction.atomic
def ticket_mark_duplicate(*, ticket: Ticket, original: Ticket, by, now: datetime.datetime | None = None) -> Ticket:
    """Close the ticket as a duplicate of `original`. Refused for the ticket itself, and for an
    original that is (through a chain of duplicates) a duplicate of this ticket."""
    _check_may_triage(by)
    _check_open(ticket)
    if original is None:
        raise OpsError(GIVE_THE_ORIGINAL, field="original")
    if problem := ticket_duplicate_problem(ticket=ticket, original=original):
        raise OpsError(problem, field="original")
    ticket.duplicate_of = original
    ticket.resolution = Ticket.Resolution.DUPLICATE
    return ticket_set_status(ticket=ticket, status=Ticket.Status.CLOSED, by=by, now=now)


@transaction.atomic
def ticket_decline(*, ticket: Ticket, reason: str, by, now: datetime.datetime | None = None) -> Ticket:
    """Close the ticket as declined, with the reason the requester is given."""
    _check_may_triage(by)
    _check_open(ticket)
    reason = (reason or "").strip()
    if not reason:
        raise OpsError(DECLINE_NEEDS_REASON, field="reason")
    ticket.decline_reason = reason
    ticket.resolution = Ticket.Resolution.DECLINED
    return ticket_set_status(ticket=ticket, status=Ticket.Status.CLOSED, by=by, now=now)
