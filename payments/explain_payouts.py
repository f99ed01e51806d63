"""What stops money reaching a seller, shared by the disbursement and seller explanations."""

from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import BankAccount, Customer
from accounts.selectors import payout_holds_active
from batches.calendar import calendar_for, network_for
from batches.selectors import batch_next_cutoff
from opsconsole.combined_reads import read_together
from opsconsole.explaining.base import Evidence, SuggestedTask, Verdict


def seller_payout_reads(seller: Customer) -> dict:
    """What `seller_payout_blocker` looks at, as querysets a caller may read together with its own."""
    return {
        "active_holds": payout_holds_active(customer_id=seller.pk)[:1],
        "verified_bank_accounts": seller.bank_accounts.filter(status=BankAccount.Status.VERIFIED)[:1],
        "bank_accounts": seller.bank_accounts.all()[:3],
    }


def seller_payout_blocker(seller: Customer, read: dict | None = None) -> Verdict | None:
    """The verdict when something about the seller stops every payout, else None. `read`: the
    rows of `seller_payout_reads`, when the caller has read them already."""
    read = read or read_together(seller_payout_reads(seller))
    if hold := next(iter(read["active_holds"]), None):
        placed_by = hold.placed_by.get_full_name() or hold.placed_by.username if hold.placed_by else "the system"
        return Verdict(
            "payout.on_hold",
            f"Payouts to {seller} are on hold since {date_format(hold.placed_at, 'j M Y')}, placed by "
            f"{placed_by}: {hold.reason}",
            "Release the hold once the reason is resolved; disbursements then go in the next batch.",
            [Evidence("Payout hold", hold.reason, hold), Evidence("Placed by", placed_by)],
            task=SuggestedTask("release-payout-hold", seller.pk),
        )
    if seller.kyc_state != Customer.KycState.APPROVED:
        return Verdict(
            "payout.kyc_not_approved",
            f"The identity check (KYC) of {seller} is {seller.get_kyc_state_display().lower()}: we pay out only "
            "to verified sellers.",
            "Ask the seller to complete verification on the platform; payouts start once it is approved.",
            [Evidence("KYC state", seller.get_kyc_state_display(), seller)],
        )
    if not read["verified_bank_accounts"]:
        accounts = read["bank_accounts"]
        return Verdict(
            "payout.no_verified_bank_account",
            f"{seller} has no verified bank account to pay into.",
            "Ask the seller to add a bank account and complete its verification on the platform.",
            [Evidence("Bank account", f"{account} ({account.get_status_display().lower()})", account) for account in accounts]
            or [Evidence("Bank accounts", "none")],
        )
    return None


def next_payout_verdict(*, code: str, subject: str, currency: str, evidence: list) -> Verdict:
    network = network_for(currency)
    calendar = calendar_for(network)
    cutoff = batch_next_cutoff(network=network)
    when = date_format(timezone.localtime(cutoff, calendar.time_zone), "l j F, H:i T")
    return Verdict(
        code, f"{subject} is only waiting for the next payout batch, which goes to the bank at the {when} cut-off.",
        "Nothing to do: the money arrives a business day after that batch is processed.", evidence,
    )
