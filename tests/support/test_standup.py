"""The standup board: new, aging, at risk or breached, blocked, and each person's open work."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from support.models import Ticket
from support.selectors import standup_board
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db
STANDUP = reverse("support-standup")


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def tickets(staff):
    return {
        "fresh": new_ticket(subject="fresh", created_at=days_ago(0.5)),
        "old_new": new_ticket(subject="old new", created_at=days_ago(5)),
        "at_risk": new_ticket(subject="at risk", status=Ticket.Status.IN_PROGRESS, created_at=days_ago(1),
                              first_response_sla=Ticket.SlaState.AT_RISK, assignee=staff["engineer"]),
        "breached": new_ticket(subject="breached", status=Ticket.Status.TRIAGED, created_at=days_ago(2),
                               resolution_sla=Ticket.SlaState.BREACHED, assignee=staff["engineer"]),
        "on_bug": new_ticket(subject="on bug", status=Ticket.Status.WAITING_ON_BUG, created_at=days_ago(1),
                             assignee=staff["lead"]),
        "on_requester": new_ticket(subject="on requester", status=Ticket.Status.WAITING_ON_REQUESTER,
                                   created_at=days_ago(1)),
        "resolved_old": new_ticket(subject="resolved", status=Ticket.Status.RESOLVED, created_at=days_ago(9),
                                   resolution_sla=Ticket.SlaState.BREACHED, assignee=staff["engineer"]),
    }


def references(tickets, *names):
    return [tickets[name].reference for name in names]


def test_the_columns_hold_the_tickets_they_name(tickets, staff):
    board = standup_board()
    columns = {column.key: [ticket.reference for ticket in column.tickets] for column in board.columns}
    assert columns["new"] == references(tickets, "old_new", "fresh")  # oldest first
    assert columns["aging"] == references(tickets, "old_new")  # a resolved ticket is no longer open
    assert columns["breaching"] == references(tickets, "breached", "at_risk")
    assert sorted(columns["blocked"]) == sorted(references(tickets, "on_bug", "on_requester"))
    people = {column.person.username: (column.count, [t.reference for t in column.tickets]) for column in board.people}
    assert people == {"engineer": (2, references(tickets, "breached", "at_risk")),
                      "lead": (1, references(tickets, "on_bug"))}
    assert board.unassigned == 3


def test_the_page_links_every_ticket_and_costs_the_same_for_more_tickets(client_as, tickets, staff):
    client = client_as("engineer")
    with CaptureQueriesContext(connection) as few:
        page = client.get(STANDUP).content.decode()
    for name in ("fresh", "old_new", "at_risk", "breached", "on_bug", "on_requester"):
        assert reverse("admin:support_ticket_change", args=[tickets[name].pk]) in page
    assert reverse("admin:support_ticket_change", args=[tickets["resolved_old"].pk]) not in page
    section = page[page.index('id="standup-breaching"'):page.index("</section>", page.index('id="standup-breaching"'))]
    assert tickets["breached"].reference in section and tickets["fresh"].reference not in section

    for number in range(10):
        new_ticket(subject=f"more {number}", status=Ticket.Status.WAITING_ON_BUG, created_at=days_ago(4),
                   assignee=staff["developer"], resolution_sla=Ticket.SlaState.AT_RISK)
    with CaptureQueriesContext(connection) as many:
        client.get(STANDUP)
    assert len(many) == len(few)


def test_anyone_on_the_team_may_open_it_and_nobody_else(client_as):
    assert client_as("auditor").get(STANDUP).status_code == 200
    assert client_as("nobody").get(STANDUP).status_code == 403
