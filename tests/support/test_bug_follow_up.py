"""A bug in the support queue: once fixed, its tickets come back for a follow-up to their
requesters; and the bugs past their fix-time target."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from opsconsole.errors import OpsError
from support.bugs import bug_fix_due_at, bugs_overdue
from support.models import Bug, Ticket
from support.services.bugs import ALREADY_FIXED, NOT_ALLOWED_TO_FIX, bug_mark_fixed
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db


def new_bug(*, severity=Bug.Severity.S2, reported_at=None, **fields) -> Bug:
    reported_at = reported_at or timezone.now()
    return Bug.objects.create(title="Callback retries stop", steps_to_reproduce="Answer 500",
                              expected_behaviour="Retry", actual_behaviour="Stops", severity=severity,
                              fix_due_at=bug_fix_due_at(severity=severity, reported_at=reported_at), **fields)


def test_a_fixed_bug_flags_its_open_tickets_for_follow_up(staff):
    bug = new_bug()
    waiting = new_ticket(bug=bug, status=Ticket.Status.WAITING_ON_BUG)
    investigating = new_ticket(bug=bug, status=Ticket.Status.IN_PROGRESS)
    closed = new_ticket(bug=bug, status=Ticket.Status.CLOSED)
    unrelated = new_ticket(status=Ticket.Status.WAITING_ON_BUG)

    assert bug_mark_fixed(bug=bug, by=staff["developer"]) == 2
    bug.refresh_from_db()
    assert bug.status == Bug.Status.FIXED and bug.fixed_at is not None
    for ticket in (waiting, investigating, closed, unrelated):
        ticket.refresh_from_db()
    assert (waiting.status, waiting.needs_follow_up) == ("in_progress", True)
    assert (investigating.status, investigating.needs_follow_up) == ("in_progress", True)
    assert not closed.needs_follow_up and not unrelated.needs_follow_up
    assert unrelated.status == "waiting_on_bug"
    assert waiting.history.order_by("-history_id").first().history_user == staff["developer"]


def test_fixing_is_refused_twice_and_for_people_outside_the_bug_queue(staff):
    bug = new_bug()
    ticket = new_ticket(bug=bug, status=Ticket.Status.WAITING_ON_BUG)
    with pytest.raises(OpsError, match=NOT_ALLOWED_TO_FIX):
        bug_mark_fixed(bug=bug, by=staff["auditor"])
    ticket.refresh_from_db()
    assert ticket.status == "waiting_on_bug" and not ticket.needs_follow_up
    bug_mark_fixed(bug=bug, by=staff["engineer"])
    bug.refresh_from_db()
    with pytest.raises(OpsError) as refused:
        bug_mark_fixed(bug=bug, by=staff["engineer"])
    assert refused.value.message == ALREADY_FIXED.format(bug=bug, fixed_at=bug.fixed_at)


def test_overdue_bugs_are_the_open_ones_past_their_target(staff):
    now = timezone.now()
    long_ago = now - datetime.timedelta(days=40)
    overdue = new_bug(severity=Bug.Severity.S2, reported_at=long_ago)  # 30 days
    new_bug(severity=Bug.Severity.S3, reported_at=long_ago)  # 60 days: not yet
    new_bug(severity=Bug.Severity.S1, reported_at=long_ago, status=Bug.Status.FIXED, fixed_at=now)
    new_bug(severity=Bug.Severity.S1, reported_at=long_ago, status=Bug.Status.WONT_FIX)
    assert list(bugs_overdue(now=now)) == [overdue]


def test_fixing_a_bug_on_its_page_flags_its_tickets(client_as):
    bug = new_bug()
    ticket = new_ticket(bug=bug, status=Ticket.Status.WAITING_ON_BUG)
    form = {"title": bug.title, "steps_to_reproduce": "s", "expected_behaviour": "e", "actual_behaviour": "a",
            "severity": bug.severity, "status": Bug.Status.FIXED,
            # The tickets it causes are listed read-only below the bug: their formset still posts.
            "tickets-TOTAL_FORMS": "1", "tickets-INITIAL_FORMS": "1",
            "tickets-0-id": ticket.pk, "tickets-0-bug": bug.pk}
    response = client_as("developer").post(reverse("admin:support_bug_change", args=[bug.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket.refresh_from_db()
    bug.refresh_from_db()
    assert bug.status == Bug.Status.FIXED and bug.fixed_at is not None
    assert ticket.needs_follow_up and ticket.status == Ticket.Status.IN_PROGRESS


def test_a_bugs_page_lists_the_tickets_it_causes(client_as):
    bug = new_bug()
    ticket = new_ticket(bug=bug, status=Ticket.Status.WAITING_ON_BUG, subject="Callbacks missing since Tuesday")
    page = client_as("developer").get(reverse("admin:support_bug_change", args=[bug.pk])).content.decode()
    assert ("tickets it causes" in page.lower() and ticket.reference in page
            and "Callbacks missing since Tuesday" in page)
