from django import forms

from accounts.models import Customer
from accounts.selectors import payout_hold_active
from accounts.services import payout_hold_release
from opsconsole.errors import OpsError
from opsconsole.tasking.base import FieldChange, OpsTask
from opsconsole.tasking.registry import register


class ReleasePayoutHoldForm(forms.Form):
    release_reason = forms.CharField(label="Why release it", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


@register
class ReleasePayoutHold(OpsTask):
    slug = "release-payout-hold"
    title = "Release a seller's payout hold"
    description = "Let disbursements to this seller go out again."
    model = Customer
    # Placing and releasing a seller's hold never overlap.
    conflict_group = "payout-hold"
    form_class = ReleasePayoutHoldForm

    def validate(self, customer, params):
        if payout_hold_active(customer_id=customer.pk) is None:
            raise OpsError(f"{customer} has no payout hold to release.", field="target")

    def preview(self, customer, params):
        hold = payout_hold_active(customer_id=customer.pk)
        return [
            FieldChange(str(hold), "released_at", None, "now"),
            FieldChange(str(hold), "release_reason", hold.release_reason, params["release_reason"]),
        ]

    def execute(self, customer, params, run):
        hold = payout_hold_active(customer_id=customer.pk)
        payout_hold_release(hold=hold, released_by=run.requested_by, release_reason=params["release_reason"])
        return f"The payout hold on {customer} placed {hold.placed_at:%d %b %Y} is released."
