from opsconsole.errors import OpsError
from opsconsole.tasking.base import FieldChange, OpsTask, Risk
from opsconsole.tasking.registry import register
from payments.models import Item, ItemState
from payments.services import item_change_state


@register
class ReleaseRiskHold(OpsTask):
    slug = "release-risk-hold"
    title = "Release an item's payment from risk review"
    description = "The buyer's payment was held by a risk rule; after review, put it into escrow as deposited."
    model = Item
    # One change to an item at a time: its state and its fees move together.
    conflict_group = "item"
    risk = Risk.HIGH  # lets money through a fraud control: always a second person

    def validate_target(self, item):
        if item.state != ItemState.PAYMENT_HELD:
            raise OpsError(f"Item {item.external_id} is {item.get_state_display().lower()}, not held for review.")

    def preview(self, item, params):
        return [FieldChange(str(item), "state", item.state, ItemState.PAYMENT_DEPOSITED)]

    def execute(self, item, params, run):
        item_change_state(item=item, to_state=ItemState.PAYMENT_DEPOSITED,
                          cause=f"Released from risk review (task run #{run.pk})")
        return f"Item {item.external_id} is now payment deposited."
