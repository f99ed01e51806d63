"""A batch's way through the bank — created → cut-off → submitted → acknowledged → settled, or
failed — as the stepper above its page shows it. Lateness follows batches/lateness.py, the rule
the batch's explanation follows too, so the two never disagree."""

import datetime
from dataclasses import dataclass, replace

from django.db.models import Count
from django.utils import timezone

from batches.lateness import ACKNOWLEDGEMENT, SETTLEMENT, SUBMISSION, batch_lateness, batch_submission_due
from batches.models import Batch, BatchEntry
from batches.selectors import batch_effective_processing_date
from opsconsole.business_calendar import calendar_for
from opsconsole.explaining.times import span

# Our sponsor banks acknowledge a file within two hours of receiving it (see STUCK_AFTER).
ACKNOWLEDGED_WITHIN = datetime.timedelta(hours=2)


class PipelineStage:
    CREATED = "created"
    CUTOFF = "cutoff"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    SETTLED = "settled"
    FAILED = "failed"


class StageState:
    DONE = "done"
    CURRENT = "current"  # where the batch is now, or where it stopped
    UPCOMING = "upcoming"
    SKIPPED = "skipped"  # never reached: the batch failed before it
    FAILED = "failed"


STAGE_TITLES = {
    PipelineStage.CREATED: "Created",
    PipelineStage.CUTOFF: "Cut-off",
    PipelineStage.SUBMITTED: "Submitted",
    PipelineStage.ACKNOWLEDGED: "Acknowledged",
    PipelineStage.SETTLED: "Settled",
    PipelineStage.FAILED: "Failed",
}
MIDDLE_STAGES = [PipelineStage.CREATED, PipelineStage.CUTOFF, PipelineStage.SUBMITTED, PipelineStage.ACKNOWLEDGED]


@dataclass(frozen=True)
class BatchStage:
    key: str
    state: str
    at: datetime.datetime | None = None
    expected: str = ""  # when it should happen, for a stage not reached
    note: str = ""
    flagged: bool = False  # something is wrong at this stage: a late submission, a stuck file
    at_local: str = ""  # `at` in the network's own time zone, as the bank states its cut-offs

    @property
    def title(self) -> str:
        return STAGE_TITLES[self.key]


@dataclass(frozen=True)
class EntryStatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class BatchPipeline:
    """Where a batch is on its way through the bank, and what its entries came to."""

    stages: list[BatchStage]
    current: str
    failed: bool
    failure_reason: str
    submitted_late: bool
    entry_counts: list[EntryStatusCount]

    @property
    def entries_total(self) -> int:
        return sum(count.count for count in self.entry_counts)

    def stage(self, key: str) -> BatchStage:
        return next(stage for stage in self.stages if stage.key == key)


def batch_entry_counts(*, batch: Batch) -> list[EntryStatusCount]:
    """How many of the batch's entries are in each status, every status listed; one aggregate
    query over the (batch, status) index."""
    counts = dict(batch.entries.order_by().values_list("status").annotate(count=Count("id")))
    return [EntryStatusCount(status, label, counts.get(status, 0)) for status, label in BatchEntry.Status.choices]


def _reached_stage(batch: Batch, now: datetime.datetime) -> str:
    """The furthest stage the batch has got to (for a failed batch: where it stopped)."""
    by_status = {
        Batch.Status.SUBMITTED: PipelineStage.SUBMITTED,
        Batch.Status.ACKNOWLEDGED: PipelineStage.ACKNOWLEDGED,
        Batch.Status.SETTLED: PipelineStage.SETTLED,
    }
    if batch.status in by_status:
        return by_status[batch.status]
    if batch.acknowledged_at:
        return PipelineStage.ACKNOWLEDGED
    if batch.submitted_at:
        return PipelineStage.SUBMITTED
    return PipelineStage.CUTOFF if now >= batch.cutoff_at else PipelineStage.CREATED


def batch_pipeline(*, batch: Batch, now: datetime.datetime | None = None) -> BatchPipeline:
    """The batch's stages — created → cut-off → submitted → acknowledged → settled, or failed —
    each with its time or when it is expected, where the batch is now (or stopped), and its
    entries counted by status. Times in notes are the network's local time
    (opsconsole/business_calendar.py)."""
    now = now or timezone.now()
    calendar = calendar_for(batch.network)

    def local(moment: datetime.datetime) -> str:
        return f"{moment.astimezone(calendar.time_zone):%H:%M %Z, %a %d %b %Y}"

    failed = batch.status == Batch.Status.FAILED
    reached = _reached_stage(batch, now)
    order = [*MIDDLE_STAGES, PipelineStage.SETTLED]
    reached_at = order.index(reached)
    late = batch.missed_cutoff
    settles_on = batch_effective_processing_date(batch=batch)
    lateness = batch_lateness(batch=batch, now=now)
    late_for = lateness.awaited if lateness else None
    submission_due = batch_submission_due(batch=batch)

    def state_of(key: str) -> str:
        position = order.index(key)
        if position < reached_at:
            return StageState.DONE
        if position == reached_at:
            return StageState.CURRENT
        return StageState.SKIPPED if failed else StageState.UPCOMING

    stages = [BatchStage(PipelineStage.CREATED, state_of(PipelineStage.CREATED), at=batch.created_at,
                         note=f"{batch.get_network_display()} {batch.get_direction_display().lower()} batch")]

    cutoff_note = f"Entries added before the cut-off go out on {settles_on:%a %d %b %Y}"
    if late_for == SUBMISSION:
        cutoff_note = (f"Overdue by {lateness.overdue_by(now)}: due at the bank by {local(submission_due)}; "
                       "the batch has not been submitted")
    elif submission_due != batch.cutoff_at and not batch.submitted_at:
        cutoff_note = f"{_day_off(batch, calendar)}: the file goes at the {local(submission_due)} cut-off"
    stages.append(BatchStage(
        PipelineStage.CUTOFF, state_of(PipelineStage.CUTOFF),
        at=batch.cutoff_at if reached_at >= order.index(PipelineStage.CUTOFF) else None,
        expected=local(submission_due), note=cutoff_note, flagged=late_for == SUBMISSION,
    ))

    if batch.submitted_at:
        gap = batch.submitted_at - batch.cutoff_at
        submitted_note = (
            f"{span(gap)} after the cut-off: processed on the next business day, {settles_on:%a %d %b %Y}"
            if late else f"{span(gap)} before the cut-off"
        )
        stages.append(BatchStage(PipelineStage.SUBMITTED, state_of(PipelineStage.SUBMITTED), at=batch.submitted_at,
                                 note=submitted_note, flagged=late))
    else:
        stages.append(BatchStage(PipelineStage.SUBMITTED, state_of(PipelineStage.SUBMITTED),
                                 expected=f"by the cut-off, {local(submission_due)}"))

    if batch.acknowledged_at:
        stages.append(BatchStage(PipelineStage.ACKNOWLEDGED, state_of(PipelineStage.ACKNOWLEDGED),
                                 at=batch.acknowledged_at, note="The bank accepted the file"))
    elif batch.submitted_at and not failed:
        stuck = late_for == ACKNOWLEDGEMENT
        note = (f"No acknowledgement {span(now - batch.submitted_at)} after submission: stuck" if stuck
                else "Awaiting the bank's acknowledgement")
        stages.append(BatchStage(
            PipelineStage.ACKNOWLEDGED, state_of(PipelineStage.ACKNOWLEDGED),
            expected=f"by {local(batch.submitted_at + ACKNOWLEDGED_WITHIN)}", note=note, flagged=stuck,
        ))
    else:
        stages.append(BatchStage(PipelineStage.ACKNOWLEDGED, state_of(PipelineStage.ACKNOWLEDGED)))

    if failed:
        stages.append(BatchStage(PipelineStage.FAILED, StageState.FAILED, note=batch.failure_reason, flagged=True))
    elif batch.settled_at:
        stages.append(BatchStage(PipelineStage.SETTLED, state_of(PipelineStage.SETTLED), at=batch.settled_at))
    else:
        note = ""
        if late_for == SETTLEMENT:
            note = f"Overdue by {lateness.overdue_by(now)}: it should have settled by {local(lateness.due)}"
        elif not calendar.is_business_day(batch.processing_date):
            note = f"{_day_off(batch, calendar)}: processed on the next business day"
        stages.append(BatchStage(PipelineStage.SETTLED, state_of(PipelineStage.SETTLED),
                                 expected=f"on {settles_on:%a %d %b %Y}", note=note, flagged=late_for == SETTLEMENT))

    stages = [replace(stage, at_local=local(stage.at)) if stage.at else stage for stage in stages]
    return BatchPipeline(
        stages=stages, current=reached, failed=failed, failure_reason=batch.failure_reason if failed else "",
        submitted_late=late, entry_counts=batch_entry_counts(batch=batch),
    )


def _day_off(batch: Batch, calendar) -> str:
    """Why the bank does not process on the batch's processing day."""
    holiday = calendar.holiday_name(batch.processing_date)
    kind = f"a bank holiday ({holiday})" if holiday else "a weekend"
    return f"The processing day, {batch.processing_date:%a %d %b %Y}, is {kind}"
