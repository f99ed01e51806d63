from django.utils import timezone

from payments.models import Item, ItemFee


def item_fee_remove(*, item: Item, item_fee: ItemFee) -> Item:
    """Mark the fee removed and take it off the item's seller fees; the row stays for the record."""
    item_fee.removed_at = timezone.now()
    item_fee.save(update_fields=["removed_at"])
    item.seller_fee_amount -= item_fee.amount
    item.save(update_fields=["seller_fee_amount"])
    return item
