"""Reads every screen of the support workspace shares: which tickets a person may see, and which
statuses and SLA states count as open and breaching."""


from django.db.models import QuerySet

from opsconsole.platform_access import restrict_to_user_platforms
from support.models import Ticket

# Statuses in which a ticket still needs someone's work.
OPEN_STATUSES = (
    Ticket.Status.NEW, Ticket.Status.TRIAGED, Ticket.Status.IN_PROGRESS,
    Ticket.Status.WAITING_ON_REQUESTER, Ticket.Status.WAITING_ON_BUG,
)
BREACHING_SLA_STATES = (Ticket.SlaState.AT_RISK, Ticket.SlaState.BREACHED)


def tickets_visible_to(*, user=None) -> QuerySet[Ticket]:
    """Every ticket, or with `user` those about a platform they may see or about none."""
    return Ticket.objects.all() if user is None else restrict_to_user_platforms(Ticket.objects.all(), user)
