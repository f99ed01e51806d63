"""Triage of new tickets, read: the inbox of new tickets, who can be given a ticket, a ticket found
by its reference, and why a ticket cannot be a duplicate of another. Accepting, marking duplicate
and declining are `support.services.triage`.

Anyone who works support tickets (`support.change_ticket`) can triage; the person on duty is
expected to, but nobody is a bottleneck.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from opsconsole.errors import OpsError
from support.models import Ticket
from support.selectors import tickets_visible_to

TRIAGE_PERMISSION = "support.change_ticket"

GIVE_THE_ORIGINAL = "Give the reference of the ticket this one repeats, e.g. SUP-12."
NO_SUCH_TICKET = "There is no ticket {reference}."
DUPLICATE_OF_ITSELF = "A ticket cannot be a duplicate of itself."
DUPLICATE_LOOP = "{original} is itself a duplicate of {reference} (through {chain}): that would make a loop."


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
