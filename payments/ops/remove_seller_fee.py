from django import forms

from opsconsole.errors import OpsError
from opsconsole.money import format_minor_units
from opsconsole.tasking.base import FieldChange, OpsTask
from opsconsole.tasking.registry import register
from payments.models import Item
from payments.selectors import FEES_FINAL_STATES, item_has_disbursement, item_seller_fee_active, item_seller_fees_active
from payments.services import item_fee_remove

# Removing more than this much fee (in minor units) needs a second person's approval.
APPROVAL_THRESHOLD = 10_000


class RemoveSellerFeeForm(forms.Form):
    item_fee = forms.IntegerField(label="Seller fee", min_value=1,
                                  help_text="The fee on the item to remove (on the command line: its ID).")


@register
class RemoveSellerFee(OpsTask):
    slug = "remove-seller-fee"
    title = "Remove a seller fee from an item"
    description = "Waive a fee charged to the seller, before the item completes or pays out."
    model = Item
    # One change to an item at a time: its state and its fees move together.
    conflict_group = "item"
    form_class = RemoveSellerFeeForm

    def params_form(self, item, **kwargs):
        """The item's seller fees still charged, to choose from by name and amount."""
        form = super().params_form(item, **kwargs)
        fees = item_seller_fees_active(item=item)
        form.fields["item_fee"] = forms.TypedChoiceField(
            label="Seller fee", coerce=int,
            choices=[("", "Choose the fee to remove" if fees else "This item has no seller fee to remove")]
            + [(fee.pk, f"{fee.fee} — {format_minor_units(fee.amount, item.currency)}") for fee in fees],
            help_text=f"The seller fees still charged on {item.external_id}.")
        return form

    def requires_approval(self, item, params):
        item_fee = item_seller_fee_active(item=item, item_fee_id=params["item_fee"])
        return item_fee is not None and item_fee.amount > APPROVAL_THRESHOLD

    def validate_target(self, item):
        if item.state in FEES_FINAL_STATES:
            raise OpsError(f"Item {item.external_id} is {item.get_state_display().lower()}: "
                           "its fees can no longer change.")

    def validate(self, item, params):
        # Read here, not in validate_target: the item's page cannot afford the reads.
        if item_has_disbursement(item=item):
            raise OpsError(f"Item {item.external_id} has already been disbursed to the seller.")
        if item_seller_fee_active(item=item, item_fee_id=params["item_fee"]) is None:
            raise OpsError(f"Item {item.external_id} has no seller fee #{params['item_fee']} to remove.",
                           field="item_fee")

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
