from django import forms

from opsconsole.errors import OpsError
from opsconsole.money import format_minor_units
from opsconsole.tasking.base import FieldChange, OpsTask
from opsconsole.tasking.registry import register
from payments.models import Item
from payments.selectors import FEES_FINAL_STATES, item_has_disbursement, item_seller_fee_active
from payments.services import item_fee_remove

# Removing more than this much fee (in minor units) needs a second person's approval.
APPROVAL_THRESHOLD = 10_000


class RemoveSellerFeeForm(forms.Form):
    item_fee = forms.IntegerField(label="Fee on the item (id)", min_value=1,
                                  help_text="The id of the seller fee, as listed on the item's page.")


@register
class RemoveSellerFee(OpsTask):
    slug = "remove-seller-fee"
    title = "Remove a seller fee from an item"
    description = "Waive a fee charged to the seller, before the item completes or pays out."
    model = Item
    # One change to an item at a time: its state and its fees move together.
    conflict_group = "item"
    form_class = RemoveSellerFeeForm

    def requires_approval(self, item, params):
        item_fee = item_seller_fee_active(item=item, item_fee_id=params["item_fee"])
        return item_fee is not None and item_fee.amount > APPROVAL_THRESHOLD

    def validate(self, item, params):
        if item.state in FEES_FINAL_STATES:
            raise OpsError(f"Item {item.external_id} is {item.get_state_display().lower()}: its fees can no longer change.")
        if item_has_disbursement(item=item):
            raise OpsError(f"Item {item.external_id} has already been disbursed to the seller.")
        if item_seller_fee_active(item=item, item_fee_id=params["item_fee"]) is None:
            raise OpsError(f"Item {item.external_id} has no seller fee #{params['item_fee']} to remove.", field="item_fee")

    def preview(self, item, params):
        item_fee = item_seller_fee_active(item=item, item_fee_id=params["item_fee"])
        return [
            FieldChange(str(item_fee), "removed_at", None, "now"),
            FieldChange(str(item), "seller_fee_amount", format_minor_units(item.seller_fee_amount, item.currency),
                        format_minor_units(item.seller_fee_amount - item_fee.amount, item.currency)),
        ]

    def execute(self, item, params, run):
        item_fee = item_seller_fee_active(item=item, item_fee_id=params["item_fee"])
        item_fee_remove(item=item, item_fee=item_fee)
        return f"Removed {item_fee.fee} ({format_minor_units(item_fee.amount, item.currency)}) from {item}."
