import datetime

from django.db.models import Q, QuerySet
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


def batch_entries_after(*, batch: Batch, after_id: int | None, limit: int) -> list[BatchEntry]:
    entries: QuerySet = batch.entries.select_related("bank_account").order_by("id")
    if after_id is not None:
        entries = entries.filter(id__gt=after_id)
    return list(entries[:limit])


def batch_entry_skip_reason(*, entry: BatchEntry) -> str | None:
    """Why reprocessing leaves this entry alone, or None if it should be resubmitted."""
    if entry.status == BatchEntry.Status.SETTLED:
        return "already settled"
    if entry.status == BatchEntry.Status.RETURNED:
        return "returned by the bank"
    if entry.validation_error or entry.bank_account.status in UNUSABLE_ACCOUNT_STATUSES:
        return "invalid account details"
    return None


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
