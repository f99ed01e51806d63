"""The support team's bug queue, read: each bug's fix-time target and service-level objective,
the bugs past or near their target, the queue's health, and the first values of a bug filed from a
ticket. Marking a bug fixed and setting a ticket waiting on one are `support.services.bugs`."""

import datetime
from collections import Counter
from dataclasses import dataclass
from statistics import median

from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, QuerySet, Value

from support.models import Bug, Ticket

OPEN_BUG_STATUSES = (Bug.Status.OPEN, Bug.Status.IN_PROGRESS)
# Fix-time targets by severity, in calendar days.
BUG_FIX_DAYS = {Bug.Severity.S1: 7, Bug.Severity.S2: 30, Bug.Severity.S3: 60, Bug.Severity.S4: 90}

# A bug's SLO: the last fifth of the time from report to fix target is the near-miss window,
# as for tickets (at risk "within 20 % of its target").
SLO_ON_TRACK, SLO_NEAR_MISS, SLO_MISSED, SLO_MET = "on_track", "near_miss", "missed", "met"
# A bug closed as won't-fix is never measured against its target.
SLO_NOT_MEASURED = "not_measured"
SLO_LABELS = {SLO_ON_TRACK: "On track", SLO_NEAR_MISS: "Near miss", SLO_MISSED: "Missed", SLO_MET: "Met",
              SLO_NOT_MEASURED: "Won't fix"}
NEAR_MISS_SHARE_DIVISOR = 5  # the window is 1/5 (20 %) of the time to the target

# Filing a bug from a ticket files the bug and sets the ticket waiting on it.
BUG_FROM_TICKET_PERMISSIONS = ("support.add_bug", "support.change_ticket")


def bug_fix_due_at(*, severity: str, reported_at: datetime.datetime) -> datetime.datetime:
    return reported_at + datetime.timedelta(days=BUG_FIX_DAYS[severity])


def bug_draft_from_ticket(*, ticket: Ticket) -> dict[str, object]:
    """The bug form's first values for a bug found through `ticket`: its subject as the title,
    its description (the requester's account) as the actual behaviour, where it was reported as
    the start of the steps, and its platform as affected. Severity and the expected behaviour are
    the person's to give."""
    where = f" on {ticket.platform}" if ticket.platform_id else ""
    return {
        "title": ticket.subject[:Bug._meta.get_field("title").max_length],
        "steps_to_reproduce": f"Reported in {ticket.reference} by {ticket.requester_name}{where}.\n",
        "actual_behaviour": ticket.description,
        "affected_platforms": [ticket.platform_id] if ticket.platform_id else [],
    }


def bugs_overdue(*, now: datetime.datetime) -> QuerySet:
    """Open and in-progress bugs past their fix-time target, the longest overdue first."""
    return (Bug.objects.filter(status__in=OPEN_BUG_STATUSES, fix_due_at__lt=now)
            .select_related("owner").order_by("fix_due_at", "pk"))


def bug_near_miss_from(*, bug: Bug) -> datetime.datetime:
    """When the bug enters its near-miss window: 80 % of the way from its report to its fix target."""
    return bug.fix_due_at - (bug.fix_due_at - bug.created_at) / NEAR_MISS_SHARE_DIVISOR


def bug_slo_status(*, bug: Bug, now: datetime.datetime) -> str:
    """`on_track`, `near_miss`, `missed` or `met` (`not_measured` for won't-fix).

    A fixed bug is judged at its fix: after the target is missed, inside the near-miss window
    (the target itself included) a near miss, before it met. An unfixed bug is judged at `now`:
    past its target missed, inside the window a near miss, before it on track."""
    if bug.status == Bug.Status.WONT_FIX:
        return SLO_NOT_MEASURED
    near_miss_from = bug_near_miss_from(bug=bug)
    if bug.status == Bug.Status.FIXED and bug.fixed_at is not None:
        if bug.fixed_at > bug.fix_due_at:
            return SLO_MISSED
        return SLO_NEAR_MISS if bug.fixed_at >= near_miss_from else SLO_MET
    if now > bug.fix_due_at:
        return SLO_MISSED
    return SLO_NEAR_MISS if now >= near_miss_from else SLO_ON_TRACK


def bugs_nearing_target(*, now: datetime.datetime, limit: int) -> QuerySet:
    """Open and in-progress bugs in their near-miss window or past their target (near_miss or
    missed by `bug_slo_status`), the soonest due first; at most `limit`. One query."""
    time_left = ExpressionWrapper(F("fix_due_at") - Value(now, output_field=DateTimeField()),
                                  output_field=DurationField())
    window = ExpressionWrapper((F("fix_due_at") - F("created_at")) / NEAR_MISS_SHARE_DIVISOR,
                               output_field=DurationField())
    return (Bug.objects.filter(status__in=OPEN_BUG_STATUSES)
            .annotate(time_left=time_left, near_miss_window=window)
            .filter(time_left__lte=F("near_miss_window"))
            .select_related("owner").order_by("fix_due_at", "pk")[:limit])


@dataclass(frozen=True)
class BugQueueHealth:
    """The bug queue's fix-time attainment over bugs reported since a moment, and its open bugs' age."""

    by_status: dict[str, int]
    open_count: int
    median_open_age_days: float | None

    @property
    def labelled(self) -> list[tuple[str, str, int]]:
        return [(status, SLO_LABELS[status], count) for status, count in sorted(self.by_status.items())]

    @property
    def attainment_percent(self) -> float | None:
        judged = self.by_status.get(SLO_MET, 0) + self.by_status.get(SLO_MISSED, 0)
        return round(100 * self.by_status.get(SLO_MET, 0) / judged, 1) if judged else None


def bug_queue_health(*, since: datetime.datetime, now: datetime.datetime) -> BugQueueHealth:
    """Fix-time status of every bug reported since `since` (met and missed judged; the rest counted
    as they stand), and the median age in days of the bugs still open."""
    reported = Bug.objects.filter(created_at__gte=since, created_at__lte=now).only(
        "status", "created_at", "fix_due_at", "fixed_at")
    by_status = Counter(bug_slo_status(bug=bug, now=now) for bug in reported)
    open_ages = sorted((now - created).total_seconds() / 86400 for created in Bug.objects.filter(
        status__in=(Bug.Status.OPEN, Bug.Status.IN_PROGRESS)).values_list("created_at", flat=True))
    return BugQueueHealth(dict(by_status), len(open_ages), round(median(open_ages), 1) if open_ages else None)
