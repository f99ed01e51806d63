from accounts.selectors import payout_hold_active
from opsconsole.errors import OpsError
from opsconsole.money import format_minor_units
from opsconsole.tasking.base import FieldChange, OpsTask
from opsconsole.tasking.registry import register
from payments.models import Disbursement
from payments.selectors import disbursement_retry_of, seller_verified_bank_account
from payments.services import disbursement_retry

RETRYABLE = {Disbursement.Status.FAILED, Disbursement.Status.RETURNED}


@register
class RetryDisbursement(OpsTask):
    slug = "retry-disbursement"
    title = "Retry a failed disbursement"
    description = "Pay a failed or returned disbursement again, to the seller's verified bank account."
    model = Disbursement

    def validate(self, disbursement, params):
        if disbursement.status not in RETRYABLE:
            raise OpsError(f"Disbursement {disbursement.reference} is {disbursement.get_status_display().lower()}: "
                           "only a failed or returned one can be retried.")
        if retry := disbursement_retry_of(disbursement=disbursement):
            raise OpsError(f"Disbursement {disbursement.reference} was already retried as {retry.reference}.")
        if disbursement.retry_of_id:
            raise OpsError(f"Disbursement {disbursement.reference} is itself a retry: look at the seller's bank "
                           "details with them before paying a third time.")
        if seller_verified_bank_account(seller=disbursement.seller) is None:
            raise OpsError(f"{disbursement.seller} has no verified bank account to pay into.")
        if hold := payout_hold_active(customer_id=disbursement.seller_id):
            raise OpsError(f"{disbursement.seller} is on a payout hold: {hold.reason}")

    def preview(self, disbursement, params):
        account = seller_verified_bank_account(seller=disbursement.seller)
        return [
            FieldChange(f"New disbursement {disbursement.reference}-R", "amount", None,
                        format_minor_units(disbursement.amount, disbursement.currency)),
            FieldChange(f"New disbursement {disbursement.reference}-R", "bank_account", None, str(account)),
        ]

    def execute(self, disbursement, params, run):
        account = seller_verified_bank_account(seller=disbursement.seller)
        retry = disbursement_retry(disbursement=disbursement, bank_account=account)
        return f"Disbursement {retry.reference} will go out in the next batch to {account}."
