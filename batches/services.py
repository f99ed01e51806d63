from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from batches.models import Batch, BatchEntry
from payments.models import Disbursement


def batch_entries_resubmit(*, entries: list[BatchEntry], user, change_reason: str) -> int:
    """Mark entries submitted again, and the disbursements they pay back to batched, with a
    history row each, in a few statements per chunk."""
    history = {"default_user": user, "default_change_reason": change_reason}
    for entry in entries:
        entry.status = BatchEntry.Status.SUBMITTED
    disbursements = list(Disbursement.objects.filter(pk__in=[e.disbursement_id for e in entries if e.disbursement_id]))
    for disbursement in disbursements:
        disbursement.status, disbursement.failure_reason = Disbursement.Status.BATCHED, ""
    if disbursements:
        bulk_update_with_history(disbursements, Disbursement, ["status", "failure_reason"], **history)
    return bulk_update_with_history(entries, BatchEntry, ["status"], **history)


def batch_resubmit(*, batch: Batch) -> Batch:
    batch.status, batch.submitted_at = Batch.Status.SUBMITTED, timezone.now()
    batch.acknowledged_at, batch.failure_reason = None, ""
    batch.save(update_fields=["status", "submitted_at", "acknowledged_at", "failure_reason"])
    return batch
