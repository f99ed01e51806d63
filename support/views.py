"""The support team's own pages: the standup board, the reports, and the two buttons of a
ticket's page (send a saved answer as a reply, resolve). Each checks the permission, calls one
selector or service, and shows the result; all sit behind the admin's login (config/urls.py)."""

import csv
import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.exports import neutralised_rows, record_export
from opsconsole.errors import OpsError
from support.bugs import bug_queue_health
from support.models import Ticket, TicketKind, TicketMessage
from support.reports import report_days_from, support_report, support_report_csv_rows
from support.selectors import tickets_visible_to
from support.services.tickets import ticket_add_message, ticket_resolve
from support.standup import standup_board, standup_since_from
from support.ticket_page import saved_answer_render, saved_answers_for

VIEW_TICKETS = "support.view_ticket"
ADD_MESSAGES = "support.add_ticketmessage"
CHANGE_TICKETS = "support.change_ticket"
ANSWER_NOT_OFFERED = "That saved answer is not offered for this kind of ticket."
REPORT_FORMAT_PROBLEM = "“format” must be csv, or left out for the page."
# Chart.js colours for the five kinds, in TicketKind order.
KIND_COLOURS = ("#9333ea", "#f97316", "#ef4444", "#0ea5e9", "#22c55e")


def ticket_page_url(ticket: Ticket) -> str:
    return reverse("admin:support_ticket_change", args=[ticket.pk])


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _page(request, template: str, title: str, status: int = 200, **context):
    return TemplateResponse(request, template, {**admin.site.each_context(request), "title": title, **context},
                            status=status)


def standup_page(request):
    """The daily standup: what came in since the last standup (or `?since=`), new, aging, at risk or
    breached, waiting on a bug or on the requester, bugs nearing their target, each person's work."""
    _require(request, VIEW_TICKETS)
    now = timezone.now()
    since, problem = standup_since_from(request.GET.get("since"), now=now)
    if problem:
        return _page(request, "support/standup.html", "Standup", problem=problem, since_asked=request.GET.get("since"),
                     status=400)
    board = standup_board(now=now, since=since, user=request.user)
    return _page(request, "support/standup.html", "Standup", board=board, since_asked=request.GET.get("since", ""))


def reports_page(request):
    """`?days=30`: volume by kind (and per week, charted), median and 90th-percentile business hours
    to first response and to resolution, self-serve share, SLA attainment by kind and priority, and
    open-ticket ages; `&format=csv` downloads the tables."""
    _require(request, VIEW_TICKETS)
    days, problem = report_days_from(request.GET.get("days"))
    export = request.GET.get("format", "")
    if not problem and export not in ("", "csv"):
        problem = REPORT_FORMAT_PROBLEM
    if problem:
        return _page(request, "support/reports.html", "Support reports", problem=problem,
                     days_asked=request.GET.get("days"), status=400)
    report = support_report(days=days, user=request.user)
    if export == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="support-report-{days}-days-{report.now:%Y%m%d}.csv"'
        table = support_report_csv_rows(report)
        csv.writer(response).writerows(neutralised_rows(table))
        record_export(request=request, model=Ticket, file_format="csv", rows=len(table) - 1,  # less the header
                      subject=f"the support report over {days} days")
        return response
    chart = {
        "labels": [f"{week:%d %b}" for week in report.weeks],
        "datasets": [
            {"label": str(label), "data": report.weekly_volume[kind], "backgroundColor": colour}
            for (kind, label), colour in zip(TicketKind.choices, KIND_COLOURS)
        ],
    }
    options = {"animation": False, "responsive": True, "maintainAspectRatio": False,
               "scales": {"x": {"stacked": True}, "y": {"stacked": True, "ticks": {"precision": 0}}}}
    return _page(request, "support/reports.html", "Support reports", report=report,
                 bug_health=bug_queue_health(since=report.since, now=report.now),
                 measures=(report.first_response, report.resolution),
                 chart_data=json.dumps(chart), chart_options=json.dumps(options), day_choices=(7, 30, 90, 365))


@require_POST
def saved_answer_send(request, ticket_id: int, answer_id: int):
    """Send a saved answer, its placeholders filled from the ticket, as a reply to the requester."""
    _require(request, ADD_MESSAGES)
    ticket = get_object_or_404(tickets_visible_to(user=request.user), pk=ticket_id)
    answer = saved_answers_for(ticket=ticket).filter(pk=answer_id).first()
    if answer is None:
        messages.error(request, ANSWER_NOT_OFFERED)
    else:
        ticket_add_message(ticket=ticket, author=request.user, visibility=TicketMessage.Visibility.REPLY,
                           body=saved_answer_render(answer=answer, ticket=ticket))
        messages.success(request, f"“{answer.title}” sent to {ticket.requester_name}.")
    return redirect(ticket_page_url(ticket))


@require_POST
def ticket_resolve_view(request, ticket_id: int):
    """Resolve the ticket; counted as self-served when a succeeded task run quotes it."""
    _require(request, CHANGE_TICKETS)
    ticket = get_object_or_404(tickets_visible_to(user=request.user), pk=ticket_id)
    try:
        ticket = ticket_resolve(ticket=ticket, by=request.user, explained=request.POST.get("explained") == "1")
    except OpsError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"{ticket.reference} resolved: {ticket.get_resolution_display().lower()}.")
    return redirect(ticket_page_url(ticket))

