from django.db import transaction
from django.utils import timezone

from batches.models import Batch, BatchEntry
from batches.selectors import BatchEntryToReprocess
from opsconsole.bulk_history import CHANGED, history_rows_write
from payments.models import Disbursement


def batch_entries_resubmit(*, entries: list[BatchEntryToReprocess], reprocess_round: int, user,
                           change_reason: str) -> int:
    """Mark entries submitted again in `reprocess_round`, and the disbursements they pay back to
    batched, each with a history row by `user` for `change_reason`: four statements however many
    entries there are. The entries must be locked and not yet in that round."""
    if not entries:
        return 0
    history = {"history_type": CHANGED, "user": user, "change_reason": change_reason}
    resubmitted = BatchEntry.objects.filter(pk__in=[entry.id for entry in entries])
    disbursement_ids = sorted({entry.disbursement_id for entry in entries if entry.disbursement_id is not None})
    with transaction.atomic(savepoint=False):
        count = resubmitted.update(status=BatchEntry.Status.SUBMITTED, reprocess_round=reprocess_round)
        history_rows_write(BatchEntry, [entry.id for entry in entries], **history)
        if disbursement_ids:
            disbursements = Disbursement.objects.filter(pk__in=disbursement_ids)
            disbursements.update(status=Disbursement.Status.BATCHED, failure_reason="")
            history_rows_write(Disbursement, disbursement_ids, **history)
    return count


def batch_resubmit(*, batch: Batch, reprocess_round: int) -> Batch:
    """The batch goes to the bank again, its reprocess round `reprocess_round` done."""
    batch.status, batch.submitted_at = Batch.Status.SUBMITTED, timezone.now()
    batch.acknowledged_at, batch.failure_reason = None, ""
    batch.reprocess_count = max(batch.reprocess_count, reprocess_round)
    batch.save(update_fields=["status", "submitted_at", "acknowledged_at", "failure_reason", "reprocess_count"])
    return batch
