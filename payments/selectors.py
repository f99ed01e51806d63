from payments.models import Item, ItemFee, ItemState, Payer

# Once the seller's money has gone, or the item is closed, its fees are history.
FEES_FINAL_STATES = {ItemState.COMPLETED, ItemState.REFUNDED, ItemState.CANCELLED}


def item_seller_fee_active(*, item: Item, item_fee_id: int) -> ItemFee | None:
    return item.item_fees.filter(pk=item_fee_id, payer=Payer.SELLER, removed_at=None).select_related("fee").first()


def item_has_disbursement(*, item: Item) -> bool:
    return item.disbursements.exclude(status="failed").exists()
