"""Two actions on a ticket's page: link a record found by its key, and escalate to the week's
lead. The work is the services'; these views carry the request and report the outcome."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from opsconsole.errors import OpsError
from support.links import ticket_link_record
from support.models import Ticket
from support.rota import ticket_escalate


def _back_to(ticket: Ticket):
    return redirect(reverse("admin:support_ticket_change", args=[ticket.pk]))


@require_POST
def ticket_link_record_view(request, ticket_id: int):
    ticket = get_object_or_404(Ticket, pk=ticket_id)
    try:
        link = ticket_link_record(ticket=ticket, query=request.POST.get("query", ""), by=request.user)
    except OpsError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"{link.label} is linked to {ticket.reference}.")
    return _back_to(ticket)


@require_POST
def ticket_escalate_view(request, ticket_id: int):
    ticket = get_object_or_404(Ticket, pk=ticket_id)
    try:
        ticket = ticket_escalate(ticket=ticket, by=request.user)
    except OpsError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"{ticket.reference} is escalated to {ticket.assignee.get_full_name() or ticket.assignee}.")
    return _back_to(ticket)
