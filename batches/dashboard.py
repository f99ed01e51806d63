"""The batches' panel on the dashboard (dashboard/panels.py): each network's batches going to the
bank today and on its next business day, by status, and in the headline the overdue batches and
the batches failed in the last days.

Every count filters on an indexed column (batches/selectors.py), so the panel costs the same on a
database of millions of batches as on the demo.
"""

import datetime
from dataclasses import dataclass

from batches.lateness import batches_overdue
from batches.models import Batch, Network
from batches.selectors import batches_count_by_day_and_status, batches_count_in_status_since
from dashboard.metrics import Metric, changelist_url
from dashboard.panels import Panel, PanelContent, Viewing, register
from opsconsole.business_calendar import calendar_for

BATCH_STATUS_TONES = {
    Batch.Status.OPEN: "info",
    Batch.Status.SUBMITTED: "info",
    Batch.Status.ACKNOWLEDGED: "info",
    Batch.Status.SETTLED: "success",
    Batch.Status.FAILED: "danger",
}


@dataclass(frozen=True)
class BatchDay:
    """One network's batches for one processing day, by status."""

    network: str
    network_label: str
    day: datetime.date
    when: str  # "Today" or "Next business day"
    note: str  # why the bank does not process that day, if it does not
    by_status: list[Metric]
    total: Metric


@dataclass(frozen=True)
class BatchDays(PanelContent):
    statuses: list[str]  # the columns: every status, as people read it
    days: list[BatchDay]


def overdue_batch_ids(viewing: Viewing) -> list[int]:
    """The late batches (batches/lateness.py), worked out once a page with `viewing.once` for
    every panel that counts them or what they carry."""
    return [batch.pk for batch in batches_overdue(now=viewing.now)]


def batch_days(viewing: Viewing) -> BatchDays:
    """Each network's today (in its own time zone) and next business day: the batches going out."""
    days = []
    for network in Network:
        calendar = calendar_for(network)
        local_today = viewing.now.astimezone(calendar.time_zone).date()
        days += [(network, local_today, "Today"),
                 (network, calendar.next_business_day(local_today), "Next business day")]
    counts = batches_count_by_day_and_status(days=[(network, day) for network, day, _ in days])
    rows = []
    for network, day, when in days:
        calendar = calendar_for(network)
        filters = {"network__exact": network, "processing_date__exact": day.isoformat()}
        holiday = calendar.holiday_name(day)
        if holiday:
            note = f"Bank holiday: {holiday}"
        else:
            note = "" if calendar.is_business_day(day) else "Weekend: no processing"
        by_status = [
            Metric(status.capitalize(), counts.get((network, day, status), 0),
                   changelist_url(Batch, **filters, status__exact=status), BATCH_STATUS_TONES[status])
            for status in Batch.Status.values
        ]
        total = Metric("All", sum(metric.count for metric in by_status), changelist_url(Batch, **filters))
        rows.append(BatchDay(network, Network(network).label, day, when, note, by_status, total))
    overdue = len(viewing.once(overdue_batch_ids))
    failed = batches_count_in_status_since(status=Batch.Status.FAILED, since=viewing.since)
    headline = [
        Metric("Overdue batches", overdue, changelist_url(Batch, overdue="yes"), "danger" if overdue else "success"),
        Metric(f"Failed batches since {viewing.since:%a %d %b}", failed,
               changelist_url(Batch, status__exact=Batch.Status.FAILED, processing_date__gte=viewing.since.isoformat()),
               "danger" if failed else "success"),
    ]
    return BatchDays(headline=headline, statuses=[status.capitalize() for status in Batch.Status.values], days=rows)


register(Panel(name="batches", permission="batches.view_batch", build=batch_days,
               template="batches/dashboard_batch_days.html", order=10, shows="batches"))
