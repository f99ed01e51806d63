from django.db import transaction
from django.utils import timezone

from accounts.models import BankAccount
from opsconsole.bulk_history import CHANGED, history_rows_write
from payments.models import Callback, Disbursement, Item, ItemFee, ItemStateChange


def item_fee_remove(*, item: Item, item_fee: ItemFee) -> Item:
    """Mark the fee removed and take it off the item's seller fees; the row stays for the record."""
    item_fee.removed_at = timezone.now()
    item_fee.save(update_fields=["removed_at"])
    item.seller_fee_amount -= item_fee.amount
    item.save(update_fields=["seller_fee_amount"])
    return item


def item_change_state(*, item: Item, to_state: str, cause: str) -> Item:
    """Move the item and record the step on its timeline."""
    now = timezone.now()
    ItemStateChange.objects.create(item=item, from_state=item.state, to_state=to_state, changed_at=now, cause=cause)
    item.state, item.state_changed_at = to_state, now
    item.save(update_fields=["state", "state_changed_at"])
    return item


def disbursement_retry(*, disbursement: Disbursement, bank_account: BankAccount) -> Disbursement:
    """A new disbursement of the same amount, waiting for the next batch, linked to the one that failed."""
    return Disbursement.objects.create(
        seller=disbursement.seller, item=disbursement.item, bank_account=bank_account, amount=disbursement.amount,
        currency=disbursement.currency, status=Disbursement.Status.PENDING, retry_of=disbursement,
        reference=f"{disbursement.reference}-R", created_at=timezone.now(),
    )


def callback_queue_for_redelivery(*, callback: Callback) -> Callback:
    """The platform's delivery service sends pending callbacks to the platform's current URL."""
    callback.status = Callback.Status.PENDING
    callback.save(update_fields=["status"])
    return callback


def callbacks_queue_for_redelivery(*, callback_ids: list[int], user, change_reason: str) -> int:
    """`callback_queue_for_redelivery` for many callbacks at once, each with a history row by
    `user` for `change_reason`: two statements however many there are. The callbacks must be
    locked and still failing or abandoned. Returns how many were queued."""
    if not callback_ids:
        return 0
    queued = Callback.objects.filter(pk__in=callback_ids)
    with transaction.atomic(savepoint=False):
        count = queued.update(status=Callback.Status.PENDING)
        history_rows_write(Callback, callback_ids, history_type=CHANGED, user=user, change_reason=change_reason)
    return count
