"""Why have funds not been disbursed? For a disbursement and for a seller, every cause."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import BankAccount, Customer
from batches.models import Batch, BatchEntry, Network
from opsconsole.explaining.selectors import object_explain
from payments.models import Disbursement, ItemState
from tests.factories import (
    make_bank_account,
    make_batch,
    make_batch_entry,
    make_customer,
    make_disbursement,
    make_item,
    make_payout_hold,
    make_staff_user,
)
from tests.opsconsole.explain_helpers import FRIDAY_MORNING, evidence_text, verdict_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def friday_morning():
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        yield


def pending(**fields):
    return make_disbursement(status=Disbursement.Status.PENDING, **fields)


def test_paid():
    paid = make_disbursement(status=Disbursement.Status.PAID, paid_at=FRIDAY_MORNING)
    assert verdict_of(paid).code == "disbursement.paid"


def test_payout_hold_says_who_placed_it_and_why():
    disbursement = pending()
    make_payout_hold(customer=disbursement.seller, reason="Chargebacks above 1%",
                     placed_by=make_staff_user(username="marcus", first_name="Marcus", last_name="Bell"))
    verdict = verdict_of(disbursement)
    assert verdict.code == "disbursement.on_hold"
    assert "placed by Marcus Bell: Chargebacks above 1%" in verdict.summary
    assert verdict.task.slug == "release-payout-hold"


def test_seller_kyc_not_approved():
    disbursement = pending()
    Customer.objects.filter(pk=disbursement.seller_id).update(kyc_state=Customer.KycState.PENDING)
    assert verdict_of(Disbursement.objects.get(pk=disbursement.pk)).code == "disbursement.kyc_not_approved"


def test_no_verified_bank_account():
    disbursement = pending()
    disbursement.seller.bank_accounts.update(status=BankAccount.Status.UNVERIFIED)
    verdict = verdict_of(disbursement)
    assert verdict.code == "disbursement.no_verified_bank_account" and "unverified" in evidence_text(verdict)


def test_only_waiting_for_the_next_batch_gives_the_cutoff():
    verdict = verdict_of(pending())
    assert verdict.code == "disbursement.awaiting_batch" and "Friday 27 November, 16:00" in verdict.summary


def test_in_a_batch_gives_the_arrival_date():
    disbursement = make_disbursement(status=Disbursement.Status.BATCHED)
    batch = make_batch(status=Batch.Status.SUBMITTED, processing_date=datetime.date(2026, 11, 27),
                       cutoff_at=FRIDAY_MORNING.replace(hour=16), submitted_at=FRIDAY_MORNING)
    make_batch_entry(batch=batch, disbursement=disbursement)
    verdict = verdict_of(disbursement)
    assert verdict.code == "disbursement.in_batch" and "Monday 30 November 2026" in verdict.summary


def test_batch_failed_offers_reprocessing():
    disbursement = make_disbursement(status=Disbursement.Status.FAILED)
    batch = make_batch(status=Batch.Status.FAILED, failure_reason="File rejected")
    make_batch_entry(batch=batch, disbursement=disbursement, status=BatchEntry.Status.PENDING)
    verdict = verdict_of(disbursement)
    assert verdict.code == "disbursement.batch_failed" and verdict.task.slug == "reprocess-batch"


def test_failed_outside_a_batch_offers_a_retry():
    verdict = verdict_of(make_disbursement(status=Disbursement.Status.FAILED, failure_reason="Timeout at the bank"))
    assert verdict.code == "disbursement.failed" and verdict.task.slug == "retry-disbursement"


@pytest.mark.parametrize("network, code, name", [
    (Network.BECS, "3", "account_closed"),
    (Network.ACH, "R04", "invalid_account_number"),
    (Network.ACH, "R03", "no_account"),
])
def test_bank_returns_explain_the_code(network, code, name):
    disbursement = make_disbursement(status=Disbursement.Status.RETURNED)
    batch = make_batch(network=network, status=Batch.Status.SETTLED)
    make_batch_entry(batch=batch, disbursement=disbursement, status=BatchEntry.Status.RETURNED, return_code=code)
    verdict = verdict_of(disbursement)
    assert verdict.code == f"disbursement.returned.{name}"
    assert f"Bank return code: {code}" in evidence_text(verdict)
    assert verdict.task.slug == "retry-disbursement"


def test_seller_verdicts():
    seller = make_customer(kind=Customer.Kind.SELLER)
    assert verdict_of(seller, "seller").code == "seller.no_verified_bank_account"
    make_bank_account(customer=seller)
    assert verdict_of(seller, "seller").code == "seller.nothing_owed"
    item = make_item(seller=seller, state=ItemState.WORK_COMPLETED)
    verdict = verdict_of(seller, "seller")
    assert verdict.code == "seller.items_not_released" and item.external_id in evidence_text(verdict)
    make_payout_hold(customer=seller)
    assert verdict_of(seller, "seller").code == "seller.on_hold"


def test_a_buyer_gets_no_payout_question():
    assert object_explain(obj=make_customer(kind=Customer.Kind.BUYER)) == []


def test_a_seller_waiting_on_a_batch_is_answered_in_as_many_queries_as_one_owed_nothing():
    paid_seller = make_customer(kind=Customer.Kind.SELLER)
    make_bank_account(customer=paid_seller)
    waiting = make_disbursement(status=Disbursement.Status.BATCHED)
    make_batch_entry(batch=make_batch(status=Batch.Status.SUBMITTED, processing_date=datetime.date(2026, 11, 27),
                                      cutoff_at=FRIDAY_MORNING.replace(hour=16), submitted_at=FRIDAY_MORNING),
                     disbursement=waiting)
    with CaptureQueriesContext(connection) as owed_nothing:
        assert verdict_of(paid_seller, "seller").code == "seller.nothing_owed"
    seller = Customer.objects.get(pk=waiting.seller_id)
    with CaptureQueriesContext(connection) as waiting_on_batch:
        verdict = verdict_of(seller, "seller")
    assert verdict.code == "seller.in_batch" and "Monday 30 November 2026" in verdict.summary
    assert len(waiting_on_batch.captured_queries) == len(owed_nothing.captured_queries)
