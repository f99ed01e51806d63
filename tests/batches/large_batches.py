from datetime import timedelta

from batches.models import Batch, BatchEntry
from tests.factories import make_batch, make_batch_entry


def make_failed_batch(*, entries: int, settled_every: int = 0) -> Batch:
    """A failed credit batch of `entries` entries, inserted in bulk; with `settled_every`, each
    such entry is already settled."""
    batch = make_batch(status=Batch.Status.FAILED, failure_reason="File rejected by the bank")
    first = make_batch_entry(batch=batch, status=BatchEntry.Status.PENDING)
    rows = [
        BatchEntry(
            batch=batch, direction=first.direction, customer_id=first.customer_id, bank_account_id=first.bank_account_id,
            disbursement_id=first.disbursement_id, amount=first.amount, currency=first.currency,
            status=BatchEntry.Status.SETTLED if settled_every and position % settled_every == 0 else BatchEntry.Status.PENDING,
            trace_number=f"{batch.reference}-{position:07d}", created_at=first.created_at + timedelta(seconds=position),
        )
        for position in range(1, entries)
    ]
    BatchEntry.objects.bulk_create(rows, batch_size=1000)
    Batch.objects.filter(pk=batch.pk).update(entry_count=entries, total_amount=first.amount * entries)
    batch.refresh_from_db()
    return batch
