"""Each bug's service-level objective: on track, a near miss (the last 20 % of the time from its
report to its fix target), missed, or met; shown on the bug list and page, and the bugs nearing
their target for the standup."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from support.bugs import (
    SLO_MET,
    SLO_MISSED,
    SLO_NEAR_MISS,
    SLO_NOT_MEASURED,
    SLO_ON_TRACK,
    bug_slo_status,
    bugs_nearing_target,
)
from support.models import Bug

pytestmark = pytest.mark.django_db

# An S2 bug: reported 1 Oct, due 31 Oct (30 days); the near-miss window opens 6 days before,
# at 25 Oct 00:00 UTC (80 % of 30 days is 24 days after the report).
REPORTED = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
DUE = datetime.datetime(2026, 10, 31, tzinfo=datetime.UTC)
NEAR_MISS_FROM = datetime.datetime(2026, 10, 25, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)


def reported_bug(*, reported_at=REPORTED, due=DUE, title="Callback retries stop", **fields) -> Bug:
    with time_machine.travel(reported_at, tick=False):  # created_at is set on creation
        return Bug.objects.create(title=title, steps_to_reproduce="Answer 500", expected_behaviour="Retry",
                                  actual_behaviour="Stops", severity=Bug.Severity.S2, fix_due_at=due, **fields)


@pytest.mark.parametrize(("now", "expected"), [
    (REPORTED + datetime.timedelta(days=1), SLO_ON_TRACK),
    (NEAR_MISS_FROM - SECOND, SLO_ON_TRACK),
    (NEAR_MISS_FROM, SLO_NEAR_MISS),
    (DUE, SLO_NEAR_MISS),
    (DUE + SECOND, SLO_MISSED),
])
def test_an_unfixed_bug_is_judged_at_now(now, expected):
    assert bug_slo_status(bug=reported_bug(), now=now) == expected


@pytest.mark.parametrize(("fixed_at", "expected"), [
    (NEAR_MISS_FROM - SECOND, SLO_MET),
    (NEAR_MISS_FROM + datetime.timedelta(days=2), SLO_NEAR_MISS),
    (DUE, SLO_NEAR_MISS),
    (DUE + datetime.timedelta(hours=1), SLO_MISSED),
])
def test_a_fixed_bug_is_judged_at_its_fix_whenever_it_is_asked(fixed_at, expected):
    bug = reported_bug(status=Bug.Status.FIXED, fixed_at=fixed_at)
    assert bug_slo_status(bug=bug, now=DUE + datetime.timedelta(days=100)) == expected
    assert bug_slo_status(bug=bug, now=REPORTED) == expected


def test_a_wont_fix_bug_is_not_measured():
    bug = reported_bug(status=Bug.Status.WONT_FIX)
    assert bug_slo_status(bug=bug, now=DUE + datetime.timedelta(days=1)) == SLO_NOT_MEASURED


def test_bugs_nearing_target_are_open_near_misses_and_misses_soonest_due_first():
    now = datetime.datetime(2026, 10, 27, tzinfo=datetime.UTC)
    near_miss = reported_bug(title="near miss")  # window opened 25 Oct
    missed = reported_bug(title="missed", due=datetime.datetime(2026, 10, 20, tzinfo=datetime.UTC))
    # Reported 1 Oct, due 30 Nov: the window opens 18 Nov.
    reported_bug(title="on track", due=datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC))
    # Reported 26 Oct, due 30 Oct: 4 days, the window opens 29 Oct 04:48.
    reported_bug(title="short, on track", reported_at=datetime.datetime(2026, 10, 26, tzinfo=datetime.UTC),
                 due=datetime.datetime(2026, 10, 30, tzinfo=datetime.UTC))
    reported_bug(title="fixed late", status=Bug.Status.FIXED, fixed_at=now)
    in_progress = reported_bug(title="in progress, near", status=Bug.Status.IN_PROGRESS,
                               due=datetime.datetime(2026, 10, 28, tzinfo=datetime.UTC))
    reported_bug(title="won't fix", status=Bug.Status.WONT_FIX, due=datetime.datetime(2026, 10, 2, tzinfo=datetime.UTC))

    nearing = list(bugs_nearing_target(now=now, limit=10))
    assert nearing == [missed, in_progress, near_miss]
    assert all(bug_slo_status(bug=bug, now=now) in (SLO_NEAR_MISS, SLO_MISSED) for bug in nearing)
    assert list(bugs_nearing_target(now=now, limit=1)) == [missed]


def test_the_bug_list_and_page_show_the_slo_as_a_label(client_as):
    with time_machine.travel(datetime.datetime(2026, 10, 27, tzinfo=datetime.UTC), tick=False):
        near_miss = reported_bug(title="near miss")
        reported_bug(title="long overdue", due=datetime.datetime(2026, 10, 2, tzinfo=datetime.UTC))
        client = client_as("developer")
        listing = client.get(reverse("admin:support_bug_changelist")).content.decode()
        page = client.get(reverse("admin:support_bug_change", args=[near_miss.pk])).content.decode()
    assert "fix target" in listing.lower()
    assert "Near miss" in listing and "Missed" in listing and "On track" not in listing
    assert re.search(r'<span class="[^"]*bg-orange-100[^"]*"[^>]*>\s*Near miss\s*</span>', page), "no badge on the page"
    assert "near_miss" not in page and "(&#x27;" not in page
