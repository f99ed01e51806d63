"""The support team's bug queue: fixing a bug hands its tickets back for follow-up, the bugs
past their fix-time target, and each bug's service-level objective."""

import datetime
from collections import Counter
from dataclasses import dataclass
from statistics import median

from django.db import transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, QuerySet, Value
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from opsconsole.errors import OpsError
from support.clocks import CLOSED_STATUSES, ticket_set_status
from support.models import Bug, Ticket

OPEN_BUG_STATUSES = (Bug.Status.OPEN, Bug.Status.IN_PROGRESS)

# A bug's SLO: the last fifth of the time from report to fix target is the near-miss window,
# as for tickets (at risk "within 20 % of its target").
SLO_ON_TRACK, SLO_NEAR_MISS, SLO_MISSED, SLO_MET = "on_track", "near_miss", "missed", "met"
# A bug closed as won't-fix is never measured against its target.
SLO_NOT_MEASURED = "not_measured"
SLO_LABELS = {SLO_ON_TRACK: "On track", SLO_NEAR_MISS: "Near miss", SLO_MISSED: "Missed", SLO_MET: "Met",
              SLO_NOT_MEASURED: "Won't fix"}
NEAR_MISS_SHARE_DIVISOR = 5  # the window is 1/5 (20 %) of the time to the target

NOT_ALLOWED_TO_FIX = "Only someone who manages the bug queue can mark a bug fixed."
ALREADY_FIXED = "{bug} was already marked fixed on {fixed_at:%d %b %Y}."
# Filing a bug from a ticket files the bug and sets the ticket waiting on it.
BUG_FROM_TICKET_PERMISSIONS = ("support.add_bug", "support.change_ticket")
NOT_ALLOWED_TO_WAIT_ON_BUG = "Only someone who works tickets can set one waiting on a bug."


@transaction.atomic
def bug_mark_fixed(*, bug: Bug, by, now: datetime.datetime | None = None) -> int:
    """Mark the bug fixed at `now` and flag its open tickets for a follow-up to their requesters;
    those waiting on the bug go back to in progress. The number of tickets flagged."""
    if not by.has_perm("support.change_bug"):
        raise OpsError(NOT_ALLOWED_TO_FIX)
    bug = Bug.objects.select_for_update().get(pk=bug.pk)
    if bug.status == Bug.Status.FIXED:
        raise OpsError(ALREADY_FIXED.format(bug=bug, fixed_at=bug.fixed_at))
    now = now or timezone.now()
    bug.status, bug.fixed_at = Bug.Status.FIXED, now
    bug._history_user = by
    bug.save(update_fields=["status", "fixed_at"])

    tickets = list(bug.tickets.exclude(status__in=CLOSED_STATUSES))
    for ticket in tickets:
        ticket.needs_follow_up = True
        # Waiting on a bug does not pause the clocks, so no pause ends here.
        if ticket.status == Ticket.Status.WAITING_ON_BUG:
            ticket.status = Ticket.Status.IN_PROGRESS
    bulk_update_with_history(tickets, Ticket, ["needs_follow_up", "status"], default_user=by,
                             default_change_reason=f"{bug} fixed")
    return len(tickets)


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


@transaction.atomic
def ticket_wait_on_bug(*, ticket: Ticket, bug: Bug, by, now: datetime.datetime | None = None) -> Ticket:
    """Link `ticket` to `bug` and set it waiting on the bug, through `ticket_set_status`: a pause
    for its requester ends, and a resolved ticket is reopened. A ticket already waiting on a bug
    only changes bug."""
    if not by.has_perm("support.change_ticket"):
        raise OpsError(NOT_ALLOWED_TO_WAIT_ON_BUG)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    ticket.bug = bug
    if ticket.status == Ticket.Status.WAITING_ON_BUG:
        ticket._history_user = by
        ticket.save(update_fields=["bug"])
        return ticket
    return ticket_set_status(ticket=ticket, status=Ticket.Status.WAITING_ON_BUG, by=by, now=now)


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
