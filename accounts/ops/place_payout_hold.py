from django import forms

from accounts.models import Customer
from accounts.selectors import payout_hold_active
from accounts.services import payout_hold_place
from opsconsole.errors import OpsError
from opsconsole.tasking.base import FieldChange, OpsTask
from opsconsole.tasking.registry import register


class PlacePayoutHoldForm(forms.Form):
    hold_reason = forms.CharField(
        label="Why hold payouts", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the seller's page to everyone who looks at why they are not being paid.",
    )


@register
class PlacePayoutHold(OpsTask):
    slug = "place-payout-hold"
    title = "Place a payout hold on a seller"
    description = "Stop all disbursements to this seller until the hold is released."
    model = Customer
    # Placing and releasing a seller's hold never overlap.
    conflict_group = "payout-hold"
    form_class = PlacePayoutHoldForm

    def validate(self, customer, params):
        if customer.kind != Customer.Kind.SELLER:
            raise OpsError(f"{customer} is a buyer: payout holds apply to sellers.", field="target")
        if hold := payout_hold_active(customer_id=customer.pk):
            raise OpsError(f"{customer} is already on hold since {hold.placed_at:%d %b %Y}: {hold.reason}")

    def preview(self, customer, params):
        return [FieldChange(f"New payout hold on {customer}", "reason", None, params["hold_reason"])]

    def execute(self, customer, params, run):
        payout_hold_place(seller=customer, reason=params["hold_reason"], placed_by=run.requested_by)
        return f"Payouts to {customer} are on hold."
