import datetime
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import BankAccount
from batches.calendar import DEBIT_CLEARING_BUSINESS_DAYS, business_days_after, calendar_for
from batches.models import Batch, BatchEntry

# A submitted batch the bank has not acknowledged within this long is stuck: our sponsor banks
# acknowledge a file within two hours of receiving it.
STUCK_AFTER = datetime.timedelta(hours=24)
UNUSABLE_ACCOUNT_STATUSES = {BankAccount.Status.INVALID, BankAccount.Status.CLOSED}


def batch_is_stuck(*, batch: Batch, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (batch.status == Batch.Status.SUBMITTED and batch.acknowledged_at is None
            and batch.submitted_at is not None and now - batch.submitted_at > STUCK_AFTER)


class BatchEntryToReprocess(NamedTuple):
    """What reprocessing needs to know of an entry, read as plain values."""

    id: int
    status: str
    validation_error: str
    account_status: str
    disbursement_id: int | None
    reprocess_round: int

    @property
    def skip_reason(self) -> str | None:
        return entry_skip_reason(status=self.status, validation_error=self.validation_error,
                                 account_status=self.account_status)


def batch_entries_after(*, batch: Batch, after_id: int | None, limit: int,
                        lock: bool = False) -> list[BatchEntryToReprocess]:
    """The next `limit` entries of the batch after `after_id`, in id order, in one query: a
    chunk costs the same at the start of a million-entry batch as at its end. With `lock`, the
    entries' rows stay locked until the transaction ends, so what is read is what gets written."""
    entries: QuerySet = batch.entries.order_by("id")
    if after_id is not None:
        entries = entries.filter(id__gt=after_id)
    if lock:
        entries = entries.select_for_update(of=("self",))
    rows = entries.values_list("id", "status", "validation_error", "bank_account__status", "disbursement_id",
                               "reprocess_round")
    return [BatchEntryToReprocess(*row) for row in rows[:limit]]


def entry_skip_reason(*, status: str, validation_error: str, account_status: str) -> str | None:
    """Why reprocessing leaves an entry alone, or None if it should be resubmitted."""
    if status == BatchEntry.Status.SETTLED:
        return "already settled"
    if status == BatchEntry.Status.RETURNED:
        return "returned by the bank"
    if validation_error or account_status in UNUSABLE_ACCOUNT_STATUSES:
        return "invalid account details"
    return None


def batch_entry_skip_reason(*, entry: BatchEntry) -> str | None:
    """`entry_skip_reason` of an entry read as a model instance."""
    return entry_skip_reason(status=entry.status, validation_error=entry.validation_error,
                             account_status=entry.bank_account.status)


def batch_effective_processing_date(*, batch: Batch) -> datetime.date:
    """The business day the bank actually processes the batch: its processing day, moved to the
    next business day when that day is a weekend or holiday, or when the file missed the cut-off."""
    calendar = calendar_for(batch.network)
    day = batch.processing_date
    if not calendar.is_business_day(day) or batch.missed_cutoff:
        day = calendar.next_business_day(day)
    return day


def batch_expected_clearing_date(*, batch: Batch) -> datetime.date:
    """When a debit batch's funds clear, or a credit batch's money reaches the sellers."""
    calendar = calendar_for(batch.network)
    processing = batch_effective_processing_date(batch=batch)
    days = DEBIT_CLEARING_BUSINESS_DAYS[batch.network] if batch.direction == "debit" else 1
    return business_days_after(calendar, processing, days)


def batch_next_cutoff(*, network: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """The next cut-off a new entry can make."""
    calendar = calendar_for(network)
    now = now or timezone.now()
    today = now.astimezone(calendar.time_zone).date()
    if calendar.is_business_day(today) and now < calendar.cutoff_on(today):
        return calendar.cutoff_on(today)
    return calendar.cutoff_on(calendar.next_business_day(today))


def batch_entry_for(*, charge_id: int | None = None, disbursement_id: int | None = None) -> BatchEntry | None:
    """The latest batch entry of a charge or disbursement, with its batch."""
    entries = BatchEntry.objects.select_related("batch")
    if charge_id is not None:
        entries = entries.filter(charge_id=charge_id)
    else:
        entries = entries.filter(disbursement_id=disbursement_id)
    return entries.order_by("-id").first()


def batch_invalid_entries(*, batch: Batch, limit: int = 5) -> list[BatchEntry]:
    return list(batch.entries.select_related("bank_account")
                .filter(Q(validation_error__gt="") | Q(bank_account__status__in=UNUSABLE_ACCOUNT_STATUSES))[:limit])


# A batch's pipeline ------------------------------------------------------------------------------

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


def _span(delta: datetime.timedelta) -> str:
    minutes = int(abs(delta).total_seconds()) // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{amount} {unit}{'s' if amount != 1 else ''}" for amount, unit in parts if amount][:2]
    return " ".join(words) or "less than a minute"


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
    entries counted by status. Times in notes are the network's local time (batches/calendar.py)."""
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

    def state_of(key: str) -> str:
        position = order.index(key)
        if position < reached_at:
            return StageState.DONE
        if position == reached_at:
            return StageState.CURRENT
        return StageState.SKIPPED if failed else StageState.UPCOMING

    stages = [BatchStage(PipelineStage.CREATED, state_of(PipelineStage.CREATED), at=batch.created_at,
                         note=f"{batch.get_network_display()} {batch.get_direction_display().lower()} batch")]

    cutoff_note = f"Entries added before the cut-off go out on {batch.processing_date:%a %d %b %Y}"
    cutoff_flagged = False
    if batch.status == Batch.Status.OPEN and now >= batch.cutoff_at:
        cutoff_note, cutoff_flagged = f"Passed {_span(now - batch.cutoff_at)} ago; the batch has not been submitted", True
    stages.append(BatchStage(
        PipelineStage.CUTOFF, state_of(PipelineStage.CUTOFF),
        at=batch.cutoff_at if reached_at >= order.index(PipelineStage.CUTOFF) else None,
        expected=local(batch.cutoff_at), note=cutoff_note, flagged=cutoff_flagged,
    ))

    if batch.submitted_at:
        gap = batch.submitted_at - batch.cutoff_at
        submitted_note = (
            f"{_span(gap)} after the cut-off: processed on the next business day, {settles_on:%a %d %b %Y}"
            if late else f"{_span(gap)} before the cut-off"
        )
        stages.append(BatchStage(PipelineStage.SUBMITTED, state_of(PipelineStage.SUBMITTED), at=batch.submitted_at,
                                 note=submitted_note, flagged=late))
    else:
        stages.append(BatchStage(PipelineStage.SUBMITTED, state_of(PipelineStage.SUBMITTED),
                                 expected=f"by the cut-off, {local(batch.cutoff_at)}"))

    if batch.acknowledged_at:
        stages.append(BatchStage(PipelineStage.ACKNOWLEDGED, state_of(PipelineStage.ACKNOWLEDGED),
                                 at=batch.acknowledged_at, note="The bank accepted the file"))
    elif batch.submitted_at and not failed:
        stuck = batch_is_stuck(batch=batch, now=now)
        note = (f"No acknowledgement {_span(now - batch.submitted_at)} after submission: stuck" if stuck
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
        holiday = calendar.holiday_name(batch.processing_date)
        note = ""
        if holiday:
            note = f"The processing day, {batch.processing_date:%a %d %b %Y}, is a bank holiday ({holiday})"
        elif not calendar.is_business_day(batch.processing_date):
            note = f"The processing day, {batch.processing_date:%a %d %b %Y}, is a weekend"
        stages.append(BatchStage(PipelineStage.SETTLED, state_of(PipelineStage.SETTLED),
                                 expected=f"on {settles_on:%a %d %b %Y}", note=note))

    stages = [replace(stage, at_local=local(stage.at)) if stage.at else stage for stage in stages]
    return BatchPipeline(
        stages=stages, current=reached, failed=failed, failure_reason=batch.failure_reason if failed else "",
        submitted_late=late, entry_counts=batch_entry_counts(batch=batch),
    )


# What the ops dashboard counts ------------------------------------------------------------------


def batches_count_by_day_and_status(
    *, days: Collection[tuple[str, datetime.date]]
) -> dict[tuple[str, datetime.date, str], int]:
    """How many batches each (network, processing day) of `days` has in each status, in one
    aggregate over the processing-date index: {(network, day, status): count}, zeros left out."""
    if not days:
        return {}
    wanted = Q()
    for network, day in days:
        wanted |= Q(network=network, processing_date=day)
    rows = (Batch.objects.filter(wanted).order_by()
            .values_list("network", "processing_date", "status").annotate(count=Count("id")))
    return {(network, day, status): count for network, day, status, count in rows}


def batches_count_in_status_since(*, status: str, since: datetime.date) -> int:
    """Batches in `status` whose processing day is `since` or later: the (status, processing_date) index."""
    return Batch.objects.filter(status=status, processing_date__gte=since).count()
