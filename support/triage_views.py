"""The triage inbox (`/support/triage/`): new tickets oldest first, each with its SLA clock and a
small form to accept it, mark it a duplicate (by reference) or decline it.

The decisions are `support.services.triage`'s; the page only carries what was typed to them and
puts each refusal next to the field it names. Reading the inbox needs `support.view_ticket`;
deciding needs `support.change_ticket`, checked before anything is read from the form.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms.forms import NON_FIELD_ERRORS
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from opsconsole.business_calendar import SUPPORT_CALENDAR
from opsconsole.errors import OpsError
from opsconsole.people import person_name
from opsconsole.tasking.forms import in_console_style
from support.clocks import ticket_clocks
from support.models import Priority, Ticket, TicketKind
from support.selectors import tickets_visible_to
from support.services.triage import ticket_accept, ticket_decline, ticket_mark_duplicate
from support.triage import TRIAGE_PERMISSION, ticket_find, ticket_workers, tickets_awaiting_triage

# New tickets shown at most; the oldest come first, so nothing waits unseen.
INBOX_LIMIT = 100
ACCEPT, DUPLICATE, DECLINE = "accept", "duplicate", "decline"
CHOOSE_A_DECISION = "Choose accept, duplicate or decline."
# A clock's state as the inbox names it: the ticket's own SLA labels, and paused.
CLOCK_STATE_LABELS = {**dict(Ticket.SlaState.choices), "paused": "Paused"}
DONE_MESSAGES = {
    ACCEPT: "{reference} accepted for {assignee}.",
    DUPLICATE: "{reference} closed as a duplicate of {original}.",
    DECLINE: "{reference} declined.",
}


class TriageForm(forms.Form):
    """What one ticket's triage can carry; which fields matter depends on the button pressed, so
    every field is optional here and the services say what is missing."""

    kind = forms.ChoiceField(choices=[("", "—"), *TicketKind.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "—"), *Priority.choices], required=False)
    assignee = forms.ChoiceField(required=False)
    original = forms.CharField(required=False, max_length=16, label="Duplicate of",
                               widget=forms.TextInput(attrs={"placeholder": "SUP-12"}))
    reason = forms.CharField(required=False, label="Reason to decline", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, assignee_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "—"), *assignee_choices]
        in_console_style(self)


def _form_for(ticket: Ticket, assignee_choices, data=None) -> TriageForm:
    initial = {"kind": ticket.kind, "priority": ticket.priority, "assignee": ticket.assignee_id or ""}
    return TriageForm(data, prefix=f"ticket-{ticket.pk}", initial=initial, assignee_choices=assignee_choices)


def _show_error(form: TriageForm, problem: OpsError) -> None:
    field = problem.field if problem.field in form.fields else None
    if problem.message not in form.errors.get(field or NON_FIELD_ERRORS, []):
        form.add_error(field, problem.message)


def _decide(request, ticket: Ticket, form: TriageForm, workers_by_id: dict) -> str:
    """Carry the pressed button's fields to its service; the message to show once done."""
    decision, values = request.POST.get("decision"), form.cleaned_data
    if decision == ACCEPT:
        assignee = workers_by_id.get(int(values["assignee"])) if values["assignee"] else None
        ticket_accept(ticket=ticket, kind=values["kind"], priority=values["priority"], assignee=assignee,
                      by=request.user)
        return DONE_MESSAGES[ACCEPT].format(reference=ticket.reference, assignee=person_name(assignee))
    if decision == DUPLICATE:
        original = ticket_find(reference=values["original"])
        ticket_mark_duplicate(ticket=ticket, original=original, by=request.user)
        return DONE_MESSAGES[DUPLICATE].format(reference=ticket.reference, original=original.reference)
    if decision == DECLINE:
        ticket_decline(ticket=ticket, reason=values["reason"], by=request.user)
        return DONE_MESSAGES[DECLINE].format(reference=ticket.reference)
    raise OpsError(CHOOSE_A_DECISION)


def triage_inbox(request):
    """GET: the inbox. POST (`ticket`, `decision` and that ticket's fields): one decision, then
    back to the inbox; a refusal shows the inbox again with the error by its field."""
    if not request.user.has_perm("support.view_ticket"):
        raise PermissionDenied
    workers = list(ticket_workers())
    assignee_choices = [(str(person.pk), person_name(person)) for person in workers]
    failed_form = None
    if request.method == "POST":
        if not request.user.has_perm(TRIAGE_PERMISSION):
            raise PermissionDenied
        ticket_id = request.POST.get("ticket", "")
        if not ticket_id.isdigit():
            raise Http404(f"There is no ticket {ticket_id!r} to triage.")
        ticket = get_object_or_404(tickets_visible_to(user=request.user), pk=int(ticket_id))
        form = _form_for(ticket, assignee_choices, data=request.POST)
        if form.is_valid():
            try:
                done = _decide(request, ticket, form, {person.pk: person for person in workers})
            except OpsError as problem:
                _show_error(form, problem)
            else:
                messages.success(request, done)
                return redirect(reverse("support-triage"))
        failed_form = form

    now = timezone.now()
    rows = []
    for ticket in tickets_awaiting_triage(limit=INBOX_LIMIT, user=request.user):
        form = failed_form if failed_form is not None and failed_form.prefix == f"ticket-{ticket.pk}" else None
        clocks = ticket_clocks(ticket=ticket, now=now)
        rows.append({
            "ticket": ticket,
            "clocks": clocks,
            "first_response_label": CLOCK_STATE_LABELS[clocks.first_response.state] if clocks else "",
            "form": form or _form_for(ticket, assignee_choices),
        })
    if failed_form is not None and not any(row["form"] is failed_form for row in rows):
        # The ticket has left the inbox (someone else triaged it): say why nothing changed.
        problems = [error for errors in failed_form.errors.values() for error in errors]
        messages.error(request, f"{ticket.reference}: {' '.join(problems)}")
    context = {
        **admin.site.each_context(request),
        "title": "Triage inbox",
        "rows": rows,
        "limit": INBOX_LIMIT,
        "may_triage": request.user.has_perm(TRIAGE_PERMISSION),
        # Due times as the team reads them: its working hours are Sydney's.
        "team_time_zone": SUPPORT_CALENDAR.time_zone,
    }
    return TemplateResponse(request, "support/triage/inbox.html", context)
