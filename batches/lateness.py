"""When a batch is late: the one rule the explanation, the pipeline, the dashboard and the batch
list's "overdue" filter all follow.

A batch owes the bank its file by the cut-off of the day the bank actually processes it (its
processing day, or the next business day when that is a weekend or holiday); the bank owes an
acknowledgement within STUCK_AFTER of the file; the money owes its arrival by the end of the
expected clearing day. Whichever of these has passed first, unmet, is what the batch is late for.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from batches.models import Batch
from batches.selectors import STUCK_AFTER, batch_expected_clearing_date, batch_is_stuck
from opsconsole.business_calendar import calendar_for
from opsconsole.explaining.times import span

SUBMISSION = "submission"
ACKNOWLEDGEMENT = "acknowledgement"
SETTLEMENT = "settlement"
UNFINISHED = (Batch.Status.OPEN, Batch.Status.SUBMITTED, Batch.Status.ACKNOWLEDGED)


@dataclass(frozen=True)
class BatchLateness:
    """What the batch is late for, and since when."""

    awaited: str
    due: datetime.datetime

    def overdue_by(self, now: datetime.datetime | None = None) -> str:
        return span((now or timezone.now()) - self.due)


def batch_submission_due(*, batch: Batch) -> datetime.datetime:
    """The cut-off the file must make: its own, or, when its processing day is no business day,
    that of the next business day, when the bank processes it."""
    calendar = calendar_for(batch.network)
    if calendar.is_business_day(batch.processing_date):
        return batch.cutoff_at
    return calendar.cutoff_on(calendar.next_business_day(batch.processing_date))


def batch_settlement_due(*, batch: Batch) -> datetime.datetime:
    """The end of the expected clearing day, in the network's zone."""
    return calendar_for(batch.network).end_of(batch_expected_clearing_date(batch=batch))


def batch_lateness(*, batch: Batch, now: datetime.datetime | None = None) -> BatchLateness | None:
    """What the batch is overdue for, or None while it is on time (and for failed and settled
    batches, which are not waiting for anything)."""
    now = now or timezone.now()
    if batch.status not in UNFINISHED:
        return None
    if batch.submitted_at is None:
        due = batch_submission_due(batch=batch)
        return BatchLateness(SUBMISSION, due) if now > due else None
    if batch_is_stuck(batch=batch, now=now):
        return BatchLateness(ACKNOWLEDGEMENT, batch.submitted_at + STUCK_AFTER)
    due = batch_settlement_due(batch=batch)  # the end of a day: late from its first instant on
    return BatchLateness(SETTLEMENT, due) if now >= due else None


def batches_overdue(*, now: datetime.datetime | None = None, up_to: int | None = None) -> list[Batch]:
    """Unfinished batches that are late, oldest processing day first; with `up_to`, at most one
    more than that many. The database narrows to batches whose stored cut-off has passed (a late
    batch's has); the rule above decides."""
    now = now or timezone.now()
    candidates = (Batch.objects.filter(status__in=UNFINISHED, cutoff_at__lt=now)
                  .order_by("processing_date", "id").iterator(chunk_size=500))
    late = []
    for batch in candidates:
        if batch_lateness(batch=batch, now=now):
            late.append(batch)
            if up_to is not None and len(late) > up_to:
                break
    return late
