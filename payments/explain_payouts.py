"""What stops money reaching a seller, shared by the disbursement and seller explanations."""

from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import BankAccount, Customer
from accounts.selectors import payout_holds_active
from batches.models import Batch
from batches.selectors import batch_next_cutoff
from opsconsole.business_calendar import calendar_for, network_for
from opsconsole.explaining.base import Evidence, SuggestedTask, Verdict
from opsconsole.explaining.times import moment
from opsconsole.people import person_name
from opsconsole.union_reads import Rows, read_in_one_union


def seller_payout_reads(seller_id) -> dict[str, Rows]:
    """What `seller_payout_blockers` looks at, as reads a caller may send in one union with its own
    (opsconsole/union_reads.py). `seller_id`: the seller's key, or an expression that gives it (a
    `Subquery` when the caller has not read the seller yet)."""
    bank_accounts = BankAccount.objects.filter(customer_id=seller_id)
    return {
        "active_holds": Rows(payout_holds_active(customer_id=seller_id)[:1], related=("placed_by",)),
        "verified_bank_accounts": Rows(bank_accounts.filter(status=BankAccount.Status.VERIFIED)[:1]),
        "bank_accounts": Rows(bank_accounts[:3]),
    }


def seller_payout_blockers(seller: Customer, read: dict | None = None) -> list[Verdict]:
    """Everything about the seller that stops every payout, in the order it must be dealt with:
    a hold someone placed (its reason comes first), the identity check, the account to pay into.
    `read`: the rows of `seller_payout_reads`, when the caller has read them already."""
    read = read or read_in_one_union(seller_payout_reads(seller.pk))
    blockers = []
    if hold := next(iter(read["active_holds"]), None):
        placed_by = person_name(hold.placed_by) if hold.placed_by else "the system"
        blockers.append(Verdict(
            "payout.on_hold",
            f"Payouts to {seller} are on hold since {moment(hold.placed_at)}, placed by "
            f"{placed_by}: {hold.reason}",
            "Release the hold once its reason is resolved.",
            [Evidence("Payout hold", hold.reason, hold), Evidence("Placed by", placed_by)],
            task=SuggestedTask("release-payout-hold", seller.pk),
        ))
    if seller.kyc_state != Customer.KycState.APPROVED:
        blockers.append(Verdict(
            "payout.kyc_not_approved",
            f"The identity check (KYC) of {seller} is {seller.get_kyc_state_display().lower()}: we pay out only "
            "to verified sellers.",
            "Ask the seller to complete verification on the platform.",
            [Evidence("KYC state", seller.get_kyc_state_display(), seller)],
        ))
    if not read["verified_bank_accounts"]:
        accounts = read["bank_accounts"]
        blockers.append(Verdict(
            "payout.no_verified_bank_account",
            f"{seller} has no verified bank account to pay into.",
            "Ask the seller to add a bank account and complete its verification on the platform.",
            [Evidence("Bank account", f"{account} ({account.get_status_display().lower()})", account)
             for account in accounts] or [Evidence("Bank accounts", "none")],
        ))
    return blockers


def failed_batch_blocker(entry) -> Verdict | None:
    """The failed batch that carried the money, if it failed: reprocessed after the seller's own
    blockers, since reprocessing skips entries whose account is not usable."""
    if entry is None or entry.batch.status != Batch.Status.FAILED:
        return None
    batch = entry.batch
    return Verdict(
        "payout.batch_failed", f"The batch {batch.reference} carrying the money failed: {batch.failure_reason}",
        "Reprocess the batch.", [Evidence("Failed batch", batch.reference, batch)], retry_can_help=True,
        task=SuggestedTask("reprocess-batch", batch.pk, {"confirm_reference": batch.reference}),
    )


def blocked_payout_verdict(blockers: list[Verdict], *, answer: str, evidence: list[Evidence]) -> Verdict:
    """The answer when something stands in the way: every blocker named, in order, each with its
    next step; the suggested task is the first blocker's. `answer` names the explanation
    ("seller", "disbursement") in the verdict's code."""
    first = blockers[0]
    code = first.code.replace("payout.", f"{answer}.", 1)
    evidence = [*evidence, *(item for blocker in blockers for item in blocker.evidence)]
    if len(blockers) == 1:
        next_step = first.next_step
        if first.code == "payout.on_hold":
            next_step += " Disbursements then go in the next batch."
        elif first.code != "payout.batch_failed":
            next_step += " Payouts start once that is done."
        return Verdict(code, first.summary, next_step, evidence, first.retry_can_help, first.task,
                       blockers=tuple(blockers))
    summary = (f"{len(blockers)} things stop this money, to be dealt with in this order: "
               + " ".join(f"({number}) {blocker.summary.rstrip('.')}." for number, blocker in enumerate(blockers, 1)))
    next_step = " ".join(f"{'First' if number == 1 else 'Then'}: {blocker.next_step}"
                         for number, blocker in enumerate(blockers, 1))
    next_step += " The money moves only once all of these are dealt with."
    return Verdict(code, summary, next_step, evidence, first.retry_can_help, first.task, blockers=tuple(blockers))


def next_payout_verdict(*, code: str, subject: str, currency: str, evidence: list) -> Verdict:
    network = network_for(currency)
    calendar = calendar_for(network)
    cutoff = batch_next_cutoff(network=network)
    when = date_format(timezone.localtime(cutoff, calendar.time_zone), "l j F, H:i T")
    return Verdict(
        code, f"{subject} is only waiting for the next payout batch, which goes to the bank at the {when} cut-off.",
        "Nothing to do: the money arrives a business day after that batch is processed.", evidence,
    )
