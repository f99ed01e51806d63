"""Sellers nobody seeded: whatever stands between a seller and their money — a hold, an identity
check not approved, no verified account, a failed batch, any of them at once — every blocker
present is named, in the order it must be dealt with, the suggested task is the first one's, and
the seller's answer and the disbursement's agree."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import BankAccount, Customer
from batches.models import Batch, BatchEntry
from payments.models import Disbursement, ItemState
from tests.factories import (
    make_bank_account,
    make_batch,
    make_batch_entry,
    make_customer,
    make_disbursement,
    make_item,
    make_payout_hold,
)
from tests.opsconsole.explain_helpers import verdict_of

ORDER = ("on_hold", "kyc_not_approved", "no_verified_bank_account", "batch_failed")
TASK_OF = {"on_hold": "release-payout-hold", "kyc_not_approved": None, "no_verified_bank_account": None,
           "batch_failed": "reprocess-batch"}

SELLER = st.fixed_dictionaries({
    "hold": st.booleans(),
    "kyc": st.sampled_from(Customer.KycState.values),
    "accounts": st.lists(st.sampled_from(BankAccount.Status.values), max_size=3),
    "batch_failed": st.booleans(),
})


def seller_with(shape: dict) -> tuple[Customer, Disbursement, list[str]]:
    """The seller, their unpaid disbursement, and the blockers the answer must name, in order."""
    seller = make_customer(kind=Customer.Kind.SELLER, kyc_state=shape["kyc"])
    for status in shape["accounts"]:
        make_bank_account(customer=seller, status=status)
    if shape["hold"]:
        make_payout_hold(customer=seller, reason="Chargeback review")
    item = make_item(seller=seller, state=ItemState.COMPLETED)
    account = seller.bank_accounts.first() or make_bank_account(customer=seller, status=BankAccount.Status.UNVERIFIED)
    disbursement = make_disbursement(item=item, bank_account=account)
    batch_status = Batch.Status.FAILED if shape["batch_failed"] else Batch.Status.OPEN
    batch = make_batch(status=batch_status, failure_reason="File rejected by the bank" if shape["batch_failed"] else "",
                       submitted_at=None)
    make_batch_entry(batch=batch, disbursement=disbursement, status=BatchEntry.Status.PENDING)
    present = {
        "on_hold": shape["hold"],
        "kyc_not_approved": shape["kyc"] != Customer.KycState.APPROVED,
        "no_verified_bank_account": not seller.bank_accounts.filter(status=BankAccount.Status.VERIFIED).exists(),
        "batch_failed": shape["batch_failed"],
    }
    return seller, disbursement, [blocker for blocker in ORDER if present[blocker]]


@pytest.mark.django_db
@hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=SELLER)
def test_every_blocker_present_is_named_in_order_with_the_first_ones_task(shape):
    with transaction.atomic():
        seller, disbursement, expected = seller_with(shape)
        answers = {"seller": verdict_of(seller, "seller"), "disbursement": verdict_of(disbursement)}
        transaction.set_rollback(True)
    for answer, verdict in answers.items():
        if not expected:
            assert not verdict.blockers and "blocked" not in verdict.code
            continue
        named = [blocker.code.removeprefix("payout.") for blocker in verdict.blockers]
        assert named == expected, (answer, verdict)
        assert verdict.code == f"{answer}.{expected[0]}"
        assert (verdict.task.slug if verdict.task else None) == TASK_OF[expected[0]]
        for blocker in verdict.blockers:
            assert blocker.summary.rstrip(".") in verdict.summary and blocker.next_step in verdict.next_step
        if expected != ["on_hold"]:
            assert "next batch" not in verdict.next_step, verdict
        assert not verdict.next_step.startswith("Nothing to do")
    assert answers["seller"].blockers == answers["disbursement"].blockers


def test_a_hold_and_no_verified_account_are_both_named(db):
    seller, disbursement, _ = seller_with({"hold": True, "kyc": Customer.KycState.APPROVED,
                                          "accounts": [BankAccount.Status.UNVERIFIED], "batch_failed": False})
    verdict = verdict_of(seller, "seller")
    assert verdict.summary.startswith("2 things stop this money, to be dealt with in this order: (1) Payouts to")
    assert "(2) " in verdict.summary and "no verified bank account" in verdict.summary
    assert verdict.next_step.startswith("First: Release the hold") and "Then: Ask the seller to add a bank account" \
        in verdict.next_step
    assert verdict.task.slug == "release-payout-hold"
