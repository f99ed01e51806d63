from opsconsole.errors import OpsError
from opsconsole.tasking.base import FieldChange, OpsTask
from opsconsole.tasking.registry import register
from payments.models import Item, ItemState
from payments.services import item_change_state

# Before any money has been taken an item can simply be cancelled; after, it needs a refund.
CANCELLABLE = {ItemState.PENDING, ItemState.PAYMENT_REQUIRED}


@register
class CancelItem(OpsTask):
    slug = "cancel-item"
    title = "Cancel an unpaid item"
    description = "Cancel an item the buyer has not paid for, e.g. a duplicate the platform created by mistake."
    model = Item
    # One change to an item at a time: its state and its fees move together.
    conflict_group = "item"

    def validate_target(self, item):
        if item.state not in CANCELLABLE:
            raise OpsError(f"Item {item.external_id} is {item.get_state_display().lower()}: only an item not yet "
                           "paid for can be cancelled; a paid one needs a refund.")

    def preview(self, item, params):
        return [FieldChange(str(item), "state", item.state, ItemState.CANCELLED)]

    def execute(self, item, params, run):
        item_change_state(item=item, to_state=ItemState.CANCELLED, cause=f"Cancelled by ops (task run #{run.pk})")
        return f"Item {item.external_id} is cancelled."
