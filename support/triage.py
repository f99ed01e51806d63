"""Triage of new tickets: accept (kind, priority, assignee), mark duplicate, or decline.

Anyone who works support tickets (`support.change_ticket`) can triage; the person on duty is
expected to, but nobody is a bottleneck. Every refusal leaves the
ticket as it was.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet

from opsconsole.errors import OpsError
from opsconsole.people import person_name
from support.clocks import CLOSED_STATUSES, ticket_set_status
from support.models import Priority, Ticket, TicketKind
from support.selectors import tickets_visible_to

TRIAGE_PERMISSION = "support.change_ticket"

NOT_ALLOWED_TO_TRIAGE = "Only someone who works support tickets can triage them."
ONLY_NEW_TICKETS = "{reference} is {status}, not new: it has been triaged already."
ALREADY_CLOSED = "{reference} is already {status}."
CHOOSE_A_KIND = "Choose the kind of ticket."
CHOOSE_A_PRIORITY = "Choose a priority."
CHOOSE_AN_ASSIGNEE = "Choose who works the ticket."
ASSIGNEE_CANNOT_WORK_TICKETS = "{name} cannot work support tickets."
GIVE_THE_ORIGINAL = "Give the reference of the ticket this one repeats, e.g. SUP-12."
NO_SUCH_TICKET = "There is no ticket {reference}."
DUPLICATE_OF_ITSELF = "A ticket cannot be a duplicate of itself."
DUPLICATE_LOOP = "{original} is itself a duplicate of {reference} (through {chain}): that would make a loop."
DECLINE_NEEDS_REASON = "Say why the ticket is declined; the requester will be told."


def _check_may_triage(by) -> None:
    if not by.has_perm(TRIAGE_PERMISSION):
        raise OpsError(NOT_ALLOWED_TO_TRIAGE)


def _check_open(ticket: Ticket) -> None:
    if ticket.status in CLOSED_STATUSES:
        raise OpsError(ALREADY_CLOSED.format(reference=ticket.reference, status=ticket.get_status_display().lower()))


def ticket_workers() -> QuerySet:
    """Active staff who can work tickets, by username: the people a ticket can be assigned to."""
    return get_user_model().objects.filter(
        Q(is_superuser=True)
        | Q(groups__permissions__codename="change_ticket", groups__permissions__content_type__app_label="support")
        | Q(user_permissions__codename="change_ticket", user_permissions__content_type__app_label="support"),
        is_active=True, is_staff=True,
    ).distinct().order_by("username")


def tickets_awaiting_triage(*, limit: int = 100, user=None) -> QuerySet:
    """New tickets, oldest first, with what the triage inbox shows of them; with `user`, only
    those about a platform they may see or about none."""
    return (tickets_visible_to(user=user).filter(status=Ticket.Status.NEW).select_related("assignee", "platform")
            .prefetch_related("pauses").order_by("created_at", "pk")[:limit])


def ticket_find(*, reference: str, field: str = "original") -> Ticket:
    """The ticket with `reference` (as typed: surrounding spaces and case do not matter)."""
    reference = (reference or "").strip().upper()
    if not reference:
        raise OpsError(GIVE_THE_ORIGINAL, field=field)
    ticket = Ticket.objects.filter(reference=reference).first()
    if ticket is None:
        raise OpsError(NO_SUCH_TICKET.format(reference=reference), field=field)
    return ticket


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


def _duplicate_chain(original: Ticket) -> list[Ticket]:
    """`original` and the tickets it is a duplicate of, in turn, up to the first that is not a
    duplicate (or the first seen twice: an existing loop ends the walk)."""
    chain, seen = [original], {original.pk}
    while chain[-1].duplicate_of_id is not None and chain[-1].duplicate_of_id not in seen:
        following = Ticket.objects.get(pk=chain[-1].duplicate_of_id)
        chain.append(following)
        seen.add(following.pk)
    return chain


def ticket_duplicate_problem(*, ticket: Ticket, original: Ticket) -> str | None:
    """Why `ticket` cannot be a duplicate of `original`: it is the ticket itself, or `original` is
    (through a chain of duplicates) a duplicate of it; None when it can."""
    if original.pk == ticket.pk:
        return DUPLICATE_OF_ITSELF
    chain = _duplicate_chain(original)
    if any(link.pk == ticket.pk for link in chain):
        through = " → ".join(link.reference for link in chain)
        return DUPLICATE_LOOP.format(original=original.reference, reference=ticket.reference, chain=through)
    return None


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
