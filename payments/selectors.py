from accounts.models import BankAccount, Customer
from payments.models import Disbursement, Item, ItemFee, ItemState, Payer

# Once the seller's money has gone, or the item is closed, its fees are history.
FEES_FINAL_STATES = {ItemState.COMPLETED, ItemState.REFUNDED, ItemState.CANCELLED}


def item_seller_fee_active(*, item: Item, item_fee_id: int) -> ItemFee | None:
    return item.item_fees.filter(pk=item_fee_id, payer=Payer.SELLER, removed_at=None).select_related("fee").first()


def item_has_disbursement(*, item: Item) -> bool:
    return item.disbursements.exclude(status="failed").exists()


def disbursement_retry_of(*, disbursement: Disbursement) -> Disbursement | None:
    return disbursement.retries.first()


def seller_verified_bank_account(*, seller: Customer) -> BankAccount | None:
    return seller.bank_accounts.filter(status=BankAccount.Status.VERIFIED).order_by("-verified_at").first()
