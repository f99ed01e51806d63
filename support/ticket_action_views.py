"""Actions from the support pages: link a record to a ticket by its key, escalate a ticket to the
week's lead, swap who is on duty. The work is the services'; these views carry the request and
report the outcome."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from opsconsole.errors import OpsError
from opsconsole.people import person_name
from support.models import RotaWeek, Ticket
from support.selectors import tickets_visible_to
from support.services.links import ticket_link_record
from support.services.rota import rota_swap, ticket_escalate
from support.triage import ticket_workers

CHOOSE_A_PERSON = "Choose who takes over the duty."


def _back_to(ticket: Ticket):
    return redirect(reverse("admin:support_ticket_change", args=[ticket.pk]))


@require_POST
def ticket_link_record_view(request, ticket_id: int):
    ticket = get_object_or_404(tickets_visible_to(user=request.user), pk=ticket_id)
    try:
        link = ticket_link_record(ticket=ticket, query=request.POST.get("query", ""), by=request.user)
    except OpsError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"{link.label} is linked to {ticket.reference}.")
    return _back_to(ticket)


@require_POST
def ticket_escalate_view(request, ticket_id: int):
    ticket = get_object_or_404(tickets_visible_to(user=request.user), pk=ticket_id)
    try:
        ticket = ticket_escalate(ticket=ticket, by=request.user)
    except OpsError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"{ticket.reference} is escalated to {person_name(ticket.assignee)}.")
    return _back_to(ticket)


@require_POST
def rota_swap_view(request, week_id: int):
    week = get_object_or_404(RotaWeek, pk=week_id)
    person_id = request.POST.get("new_on_duty", "")
    person = ticket_workers().filter(pk=person_id).first() if person_id.isdigit() else None
    try:
        if person is None:
            raise OpsError(CHOOSE_A_PERSON, field="new_on_duty")
        rota_swap(week=week, new_on_duty=person, reason=request.POST.get("reason", ""), by=request.user)
    except OpsError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"{person_name(person)} is on duty for the {week}.")
    return redirect(reverse("admin:support_rotaweek_change", args=[week.pk]))
