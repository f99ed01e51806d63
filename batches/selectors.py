import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import BankAccount
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
