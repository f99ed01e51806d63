from django import forms

from accounts.models import Customer
from accounts.selectors import customer_using_email
from accounts.services import customer_change_email
from opsconsole.errors import OpsError
from opsconsole.tasking.base import FieldChange, OpsTask
from opsconsole.tasking.registry import register


class ChangeEmailForm(forms.Form):
    new_email = forms.EmailField(label="New email", max_length=254)


@register
class ChangeCustomerEmail(OpsTask):
    slug = "change-email"
    title = "Change a customer's email"
    description = "Replace the email a buyer or seller signs in and is contacted with."
    model = Customer
    form_class = ChangeEmailForm

    def validate(self, customer, params):
        new_email = params["new_email"]
        if new_email.casefold() == customer.email.casefold():
            raise OpsError(f"{new_email} is already this customer's email.", field="new_email")
        other = customer_using_email(platform_id=customer.platform_id, email=new_email, exclude_pk=customer.pk)
        if other:
            raise OpsError(
                f"{new_email} is already used by customer {other.external_id} (#{other.pk}) "
                f"of the same platform.", field="new_email",
            )

    def preview(self, customer, params):
        return [FieldChange(str(customer), "email", customer.email, params["new_email"])]

    def execute(self, customer, params, run):
        old_email = customer.email
        customer_change_email(customer=customer, new_email=params["new_email"])
        return f"Email changed from {old_email} to {params['new_email']}."
