"""Why is this item in its state? Every cause the data model can produce."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Customer
from batches.models import Batch, BatchEntry, Direction
from payments.models import Charge, Disbursement, ItemState, PaymentMethod
from tests.factories import make_batch, make_batch_entry, make_charge, make_disbursement, make_item
from tests.opsconsole.explain_helpers import FRIDAY_MORNING, evidence_text, verdict_of

pytestmark = pytest.mark.django_db
SYDNEY = FRIDAY_MORNING.tzinfo


@pytest.fixture(autouse=True)
def friday_morning():
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        yield


def pending_direct_debit(batch_day: datetime.date, **batch_fields):
    item = make_item(state=ItemState.PAYMENT_PENDING, payment_method=PaymentMethod.DIRECT_DEBIT)
    charge = make_charge(item=item, status=Charge.Status.PENDING, response_code="")
    cutoff = datetime.datetime.combine(batch_day, datetime.time(16), tzinfo=SYDNEY)
    batch = make_batch(direction=Direction.DEBIT, processing_date=batch_day, cutoff_at=cutoff,
                       **{"status": Batch.Status.OPEN, "submitted_at": None, **batch_fields})
    make_batch_entry(batch=batch, charge=charge, status=BatchEntry.Status.PENDING)
    return item, batch


def test_direct_debit_missed_the_cutoff_with_its_clearing_date():
    day = datetime.date(2026, 11, 26)
    cutoff = datetime.datetime.combine(day, datetime.time(16), tzinfo=SYDNEY)
    item, batch = pending_direct_debit(day, status=Batch.Status.ACKNOWLEDGED,
                                       submitted_at=cutoff + datetime.timedelta(minutes=7), acknowledged_at=cutoff)
    verdict = verdict_of(item)
    assert verdict.code == "item.payment_pending.direct_debit.missed_cutoff"
    assert (f"batch {batch.reference}, submitted at Thu 26 Nov 2026, 16:07 AEDT, after that day's 16:00 AEDT cut-off"
            in verdict.summary)
    assert "clear on Wednesday 2 December 2026" in verdict.summary  # processed Fri 27, + 3 BECS business days
    assert f"Batch: {batch.reference}" in evidence_text(verdict)


def test_direct_debit_waiting_for_a_bank_holiday():
    item, _ = pending_direct_debit(datetime.date(2026, 12, 25))
    verdict = verdict_of(item)
    assert verdict.code == "item.payment_pending.direct_debit.bank_holiday" and "Christmas Day" in verdict.summary


def test_direct_debit_waiting_for_a_weekend():
    item, _ = pending_direct_debit(datetime.date(2026, 11, 28))
    assert verdict_of(item).code == "item.payment_pending.direct_debit.weekend"


def test_direct_debit_in_todays_batch_and_not_yet_batched():
    item, batch = pending_direct_debit(FRIDAY_MORNING.date())
    verdict = verdict_of(item)
    assert verdict.code == "item.payment_pending.direct_debit.in_batch" and batch.reference in verdict.summary
    unbatched = make_item(state=ItemState.PAYMENT_PENDING, payment_method=PaymentMethod.DIRECT_DEBIT)
    make_charge(item=unbatched, status=Charge.Status.PENDING, response_code="")
    assert verdict_of(unbatched).code == "item.payment_pending.direct_debit.awaiting_batch"


def test_card_authorisation_pending_and_three_ds_not_completed():
    minutes_ago = timezone.now() - datetime.timedelta(minutes=5)
    authorising = make_item(state=ItemState.PAYMENT_PENDING)
    make_charge(item=authorising, status=Charge.Status.PENDING, response_code="", created_at=minutes_ago)
    assert verdict_of(authorising).code == "item.payment_pending.authorisation_pending"
    three_ds = make_item(state=ItemState.PAYMENT_PENDING)
    make_charge(item=three_ds, status=Charge.Status.REQUIRES_ACTION, response_code="1A", created_at=minutes_ago)
    verdict = verdict_of(three_ds)
    assert verdict.code == "item.payment_pending.three_ds_incomplete" and verdict.tell_the_customer


def test_bank_transfer_not_received_and_then_overdue():
    item = make_item(state=ItemState.PAYMENT_PENDING, payment_method=PaymentMethod.BANK_TRANSFER,
                     state_changed_at=timezone.now() - datetime.timedelta(hours=2))
    verdict = verdict_of(item)
    assert verdict.code == "item.payment_pending.bank_transfer_not_received" and item.external_id in verdict.next_step
    six_days = make_item(state=ItemState.PAYMENT_PENDING, payment_method=PaymentMethod.BANK_TRANSFER,
                         state_changed_at=timezone.now() - datetime.timedelta(days=6))
    verdict = verdict_of(six_days)
    assert verdict.code == "item.payment_pending.bank_transfer_overdue" and verdict.summary.startswith("Overdue by")


def test_payment_held_for_risk_review_offers_the_release_task():
    item = make_item(state=ItemState.PAYMENT_HELD)
    verdict = verdict_of(item)
    assert verdict.code == "item.payment_held.risk_review"
    assert (verdict.task.slug, verdict.task.target_id) == ("release-risk-hold", item.pk)


def test_payment_required_after_a_decline_and_before_any_attempt():
    declined = make_item(state=ItemState.PAYMENT_REQUIRED)
    make_charge(item=declined, status=Charge.Status.DECLINED, response_code="51", decline_source="issuer")
    verdict = verdict_of(declined)
    assert verdict.code == "item.payment_required.charge.declined.insufficient_funds" and verdict.retry_can_help
    assert verdict_of(make_item(state=ItemState.PAYMENT_REQUIRED)).code == "item.payment_required.awaiting_payment"


@pytest.mark.parametrize("state, code", [
    (ItemState.PENDING, "item.pending.awaiting_buyer"),
    (ItemState.PAYMENT_DEPOSITED, "item.payment_deposited.awaiting_work"),
    (ItemState.WORK_COMPLETED, "item.work_completed.awaiting_release"),
    (ItemState.PROBLEM_FLAGGED, "item.problem_flagged.dispute"),
    (ItemState.REFUNDED, "item.refunded"),
    (ItemState.CANCELLED, "item.cancelled"),
    (ItemState.COMPLETED, "item.completed.not_disbursed"),
])
def test_the_other_states(state, code):
    assert verdict_of(make_item(state=state)).code == code


def test_a_completed_item_says_where_its_money_is():
    item = make_item(state=ItemState.COMPLETED)
    make_disbursement(item=item, status=Disbursement.Status.PAID, paid_at=FRIDAY_MORNING)
    assert verdict_of(item).code == "item.completed.disbursement.paid"
    assert item.seller.kind == Customer.Kind.SELLER
