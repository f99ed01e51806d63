from collections import Counter
from datetime import timedelta

from batches.models import Batch, BatchEntry
from payments.models import Disbursement
from tests.factories import make_batch, make_batch_entry


def make_failed_batch(*, entries: int, settled_every: int = 0, own_disbursements: bool = False) -> Batch:
    """A failed credit batch of `entries` entries, inserted in bulk; with `settled_every`, each
    such entry is already settled. Entries pay the same disbursement unless `own_disbursements`,
    when each pays a failed disbursement of its own."""
    batch = make_batch(status=Batch.Status.FAILED, failure_reason="File rejected by the bank")
    first = make_batch_entry(batch=batch, status=BatchEntry.Status.PENDING)
    disbursement_ids = [first.disbursement_id] * entries
    if own_disbursements:
        disbursement_ids = failed_copies_of(first.disbursement, count=entries)
    rows = [
        BatchEntry(
            batch=batch, direction=first.direction, customer_id=first.customer_id,
            bank_account_id=first.bank_account_id,
            disbursement_id=disbursement_ids[position], amount=first.amount, currency=first.currency,
            status=(BatchEntry.Status.SETTLED if settled_every and position % settled_every == 0
                    else BatchEntry.Status.PENDING),
            trace_number=f"{batch.reference}-{position:07d}", created_at=first.created_at + timedelta(seconds=position),
        )
        for position in range(1, entries)
    ]
    BatchEntry.objects.bulk_create(rows, batch_size=1000)
    Batch.objects.filter(pk=batch.pk).update(entry_count=entries, total_amount=first.amount * entries)
    batch.refresh_from_db()
    return batch


def failed_copies_of(disbursement: Disbursement, *, count: int) -> list[int]:
    """Ids of `count` failed disbursements like `disbursement`, which itself is failed and first."""
    Disbursement.objects.filter(pk=disbursement.pk).update(status=Disbursement.Status.FAILED,
                                                           failure_reason="Batch file rejected by the bank")
    copies = [
        Disbursement(seller_id=disbursement.seller_id, item_id=disbursement.item_id,
                     bank_account_id=disbursement.bank_account_id, amount=disbursement.amount,
                     currency=disbursement.currency, status=Disbursement.Status.FAILED,
                     failure_reason="Batch file rejected by the bank", reference=f"{disbursement.reference}-{number}",
                     created_at=disbursement.created_at)
        for number in range(1, count)
    ]
    return [disbursement.pk, *(copy.pk for copy in Disbursement.objects.bulk_create(copies, batch_size=1000))]


def resubmissions_per_entry(batch: Batch) -> Counter:
    """How many times each entry of the batch was resubmitted, by any run: its history rows."""
    return Counter(BatchEntry.history.filter(batch_id=batch.pk, history_type="~").values_list("id", flat=True))
