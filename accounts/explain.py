"""Why is this seller not being paid?"""

from dataclasses import replace

from django.db.models import Q, Subquery

from accounts.models import Customer
from batches.selectors import batch_entry_rows
from opsconsole.explaining.base import Evidence, Explanation, Verdict
from opsconsole.explaining.registry import register
from opsconsole.union_reads import Rows, read_in_one_union
from payments.explain_payouts import (
    blocked_payout_verdict,
    failed_batch_blocker,
    seller_payout_blockers,
    seller_payout_reads,
)
from payments.models import Disbursement, ItemState

ESCROW_STATES = (ItemState.PAYMENT_DEPOSITED, ItemState.WORK_COMPLETED, ItemState.PAYMENT_HELD,
                 ItemState.PROBLEM_FLAGGED)


@register
class SellerPayouts(Explanation):
    model = Customer
    question = "Why have funds not been disbursed to this seller?"

    def applies_to(self, customer):
        return customer.kind == Customer.Kind.SELLER

    def explain(self, seller):
        unpaid_newest = seller.disbursements.filter(~Q(status=Disbursement.Status.PAID)).order_by("-id")
        read = read_in_one_union({
            **seller_payout_reads(seller.pk),
            "unpaid": Rows(unpaid_newest[:1]),
            # Its batch entry, in the same statement: the answer then costs no second round trip.
            "unpaid_entry": batch_entry_rows(disbursement_id=Subquery(unpaid_newest.values("id")[:1])),
            "in_escrow": Rows(seller.items_sold.filter(state__in=ESCROW_STATES).order_by("state_changed_at")[:1]),
        })
        unpaid = next(iter(read["unpaid"]), None)
        unpaid_entry = next(iter(read["unpaid_entry"]), None)
        blockers = seller_payout_blockers(seller, read)
        if unpaid and unpaid.status != Disbursement.Status.RETURNED:
            blockers += filter(None, [failed_batch_blocker(unpaid_entry)])
        if blockers:
            waiting = [Evidence("Waiting", str(unpaid), unpaid)] if unpaid else []
            return blocked_payout_verdict(blockers, answer="seller", evidence=waiting)
        if unpaid:
            from payments.explain import unpaid_disbursement_verdict

            unpaid.seller = seller
            verdict = unpaid_disbursement_verdict(unpaid, entry=unpaid_entry, seller_blockers=list)  # none: asked above
            return replace(verdict, code=verdict.code.replace("disbursement.", "seller.", 1))
        if in_escrow := next(iter(read["in_escrow"]), None):
            return Verdict(
                "seller.items_not_released",
                f"Nothing is owed yet: the buyer's money for {in_escrow} is in escrow "
                f"({in_escrow.get_state_display().lower()}) and is disbursed only when the buyer releases it.",
                "The platform asks the buyer to release the payment once the work is done.",
                [Evidence("Item", f"{in_escrow.external_id} ({in_escrow.get_state_display().lower()})", in_escrow)],
            )
        return Verdict("seller.nothing_owed", "Every disbursement to this seller has been paid.",
                       "If a payment is missing, find the item and look at its state.",
                       [Evidence("Seller", str(seller), seller)])
