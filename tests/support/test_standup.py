"""The standup board: what came in since the last standup, new, aging, at risk or breached, waiting
on a bug (with the bug) or on the requester, bugs nearing their target, and each person's open work.
At fixed Sydney instants."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from support.models import Bug, Ticket
from support.standup import STANDUP_SINCE_PROBLEM, previous_standup_at, standup_board
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db
STANDUP = reverse("support-standup")
SYDNEY = ZoneInfo("Australia/Sydney")
# Tuesday 1 December 2026, 10:00 in Sydney: the last standup was Monday 30 November, 09:30.
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SYDNEY)


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def make_bug(title: str, *, reported_at, fix_due_at, status=Bug.Status.OPEN, severity=Bug.Severity.S2) -> Bug:
    bug = Bug.objects.create(title=title, steps_to_reproduce="Answer 500", expected_behaviour="Retry",
                             actual_behaviour="Stops", severity=severity, status=status, fix_due_at=fix_due_at)
    Bug.objects.filter(pk=bug.pk).update(created_at=reported_at)  # created_at is auto_now_add
    return bug


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def bugs(frozen):
    # S2: 30 days to fix; the last 20 % of that (6 days) is "nearing its target" (support.bugs).
    return {
        "overdue": make_bug("Refund webhook drops", reported_at=days_ago(31), fix_due_at=days_ago(1)),
        "soon": make_bug("Callback retries stop", reported_at=days_ago(27),
                         fix_due_at=NOW + datetime.timedelta(days=3)),
        "later": make_bug("Typo on receipt", reported_at=days_ago(10), fix_due_at=NOW + datetime.timedelta(days=20)),
        "fixed": make_bug("Fixed already", reported_at=days_ago(29), fix_due_at=NOW + datetime.timedelta(days=1),
                          status=Bug.Status.FIXED),
    }


@pytest.fixture
def tickets(staff, bugs):
    return {
        # Mon 30 Nov 10:00 Sydney: after the last standup (Mon 09:30).
        "fresh": new_ticket(subject="fresh", created_at=days_ago(1)),
        "old_new": new_ticket(subject="old new", created_at=days_ago(5)),
        "at_risk": new_ticket(subject="at risk", status=Ticket.Status.IN_PROGRESS, created_at=days_ago(1.1),
                              first_response_sla=Ticket.SlaState.AT_RISK, assignee=staff["engineer"]),
        "breached": new_ticket(subject="breached", status=Ticket.Status.TRIAGED, created_at=days_ago(2),
                               resolution_sla=Ticket.SlaState.BREACHED, assignee=staff["engineer"]),
        "on_bug": new_ticket(subject="on bug", status=Ticket.Status.WAITING_ON_BUG, created_at=days_ago(1.5),
                             assignee=staff["lead"], bug=bugs["soon"]),
        "on_requester": new_ticket(subject="on requester", status=Ticket.Status.WAITING_ON_REQUESTER,
                                   created_at=days_ago(1.5)),
        # Came in after the last standup and already resolved: still "came in".
        "resolved_new": new_ticket(subject="resolved new", status=Ticket.Status.RESOLVED, created_at=days_ago(0.5)),
        "resolved_old": new_ticket(subject="resolved", status=Ticket.Status.RESOLVED, created_at=days_ago(9),
                                   resolution_sla=Ticket.SlaState.BREACHED, assignee=staff["engineer"]),
    }


def references(tickets, *names):
    return [tickets[name].reference for name in names]


def test_the_columns_hold_the_tickets_they_name(tickets, staff):
    board = standup_board(now=NOW)
    assert board.since == datetime.datetime(2026, 11, 30, 9, 30, tzinfo=SYDNEY)
    columns = {column.key: [ticket.reference for ticket in column.tickets] for column in board.columns}
    assert columns["came_in"] == references(tickets, "fresh", "resolved_new")  # at_risk came in at 07:36 Monday
    assert columns["new"] == references(tickets, "old_new", "fresh")  # oldest first
    assert columns["aging"] == references(tickets, "old_new")  # a resolved ticket is no longer open
    assert columns["breaching"] == references(tickets, "breached", "at_risk")
    assert columns["on_bug"] == references(tickets, "on_bug")
    assert columns["on_requester"] == references(tickets, "on_requester")
    on_bug = next(column for column in board.columns if column.key == "on_bug").tickets[0]
    assert on_bug.bug.title == "Callback retries stop"
    people = {column.person.username: (column.count, [t.reference for t in column.tickets]) for column in board.people}
    assert people["engineer"] == (2, references(tickets, "breached", "at_risk"))
    assert people["lead"] == (1, references(tickets, "on_bug"))


def test_bugs_nearing_their_target_are_open_ones_in_their_last_fifth_or_overdue(bugs):
    board = standup_board(now=NOW)
    assert [(entry.bug.title, entry.overdue) for entry in board.bugs_nearing_target] == [
        ("Refund webhook drops", True), ("Callback retries stop", False)]


def test_a_given_since_replaces_the_last_standup(tickets):
    since = datetime.datetime(2026, 11, 30, 0, 0, tzinfo=SYDNEY)
    board = standup_board(now=NOW, since=since)
    came_in = next(column for column in board.columns if column.key == "came_in")
    assert [ticket.reference for ticket in came_in.tickets] == references(tickets, "at_risk", "fresh", "resolved_new")


@pytest.mark.parametrize(("now", "last_standup"), [
    (datetime.datetime(2026, 12, 1, 8, 0), datetime.datetime(2026, 11, 30, 9, 30)),  # Tuesday before the standup
    (datetime.datetime(2026, 11, 30, 10, 0), datetime.datetime(2026, 11, 27, 9, 30)),  # Monday: Friday's
    (datetime.datetime(2026, 12, 29, 10, 0), datetime.datetime(2026, 12, 24, 9, 30)),  # Boxing Day holiday Mon 28
])
def test_the_last_standup_is_the_previous_working_day_at_half_past_nine(now, last_standup):
    assert previous_standup_at(now=now.replace(tzinfo=SYDNEY)) == last_standup.replace(tzinfo=SYDNEY)


def test_the_page_links_every_ticket_and_bug_and_costs_the_same_for_more_tickets(client_as, tickets, bugs, staff):
    client = client_as("engineer")
    client.get(STANDUP)  # the first page after signing in moves the session's expiry on
    with CaptureQueriesContext(connection) as few:
        page = client.get(STANDUP).content.decode()
    for name in ("fresh", "old_new", "at_risk", "breached", "on_bug", "on_requester", "resolved_new"):
        assert reverse("admin:support_ticket_change", args=[tickets[name].pk]) in page
    assert reverse("admin:support_ticket_change", args=[tickets["resolved_old"].pk]) not in page
    section = page[page.index('id="standup-on_bug"'):page.index("</section>", page.index('id="standup-on_bug"'))]
    assert tickets["on_bug"].reference in section and "Callback retries stop" in section
    assert reverse("admin:support_bug_change", args=[bugs["soon"].pk]) in section
    section = page[page.index('id="standup-bugs"'):page.index("</section>", page.index('id="standup-bugs"'))]
    assert f"BUG-{bugs['overdue'].pk}" in section and "overdue since" in section
    assert f"BUG-{bugs['later'].pk}" not in section and f"BUG-{bugs['fixed'].pk}" not in section

    for number in range(10):
        new_ticket(subject=f"more {number}", status=Ticket.Status.WAITING_ON_BUG, created_at=days_ago(0.1),
                   assignee=staff["developer"], resolution_sla=Ticket.SlaState.AT_RISK, bug=bugs["later"])
    with CaptureQueriesContext(connection) as many:
        client.get(STANDUP)
    assert len(many) == len(few)


def test_the_page_takes_a_since(client_as, tickets):
    page = client_as("engineer").get(STANDUP, {"since": "2026-11-30"}).content.decode()
    section = page[page.index('id="standup-came_in"'):page.index("</section>", page.index('id="standup-came_in"'))]
    assert tickets["at_risk"].reference in section


@pytest.mark.parametrize("since", ["yesterday", "2026-12-02", "2026-10-01T09:30", "30/11/2026"])
def test_a_bad_since_says_what_is_expected(client_as, frozen, since):
    response = client_as("engineer").get(STANDUP, {"since": since})
    assert response.status_code == 400
    assert STANDUP_SINCE_PROBLEM in response.content.decode()
    assert 'id="standup-columns"' not in response.content.decode()


def test_anyone_on_the_team_may_open_it_and_nobody_else(client_as):
    assert client_as("auditor").get(STANDUP).status_code == 200
    assert client_as("nobody").get(STANDUP).status_code == 403
