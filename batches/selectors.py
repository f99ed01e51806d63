import datetime
from collections.abc import Collection
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import BankAccount
from batches.models import Batch, BatchEntry
from opsconsole.business_calendar import calendar_for
from opsconsole.union_reads import Rows

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
    days = calendar.debit_clearing_business_days if batch.direction == "debit" else 1
    return calendar.business_days_after(processing, days)


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


def batch_entry_rows(*, disbursement_id) -> Rows:
    """`batch_entry_for` a disbursement, as a read to send in one union with others
    (opsconsole/union_reads.py); `disbursement_id` may be an expression that gives the key."""
    return Rows(BatchEntry.objects.filter(disbursement_id=disbursement_id).order_by("-id")[:1], related=("batch",))


def batch_invalid_entries(*, batch: Batch, limit: int = 5) -> list[BatchEntry]:
    return list(batch.entries.select_related("bank_account")
                .filter(Q(validation_error__gt="") | Q(bank_account__status__in=UNUSABLE_ACCOUNT_STATUSES))[:limit])


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
