"""Remove a seller fee: only before completion or disbursement, amounts recomputed, large ones approved."""

import pytest

from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_approve, task_run_request
from payments.models import ItemState
from payments.ops.remove_seller_fee import APPROVAL_THRESHOLD
from tests.factories import make_disbursement, make_item, make_item_fee


def item_with_fee(*, fee_amount=700, **item_fields):
    item = make_item(seller_fee_amount=0, **item_fields)
    item_fee = make_item_fee(item=item, amount=fee_amount)
    item.seller_fee_amount = fee_amount
    item.save()
    return item, item_fee


def remove(user, item, item_fee_id):
    return task_run_request(slug="remove-seller-fee", target_id=item.pk, raw_params={"item_fee": str(item_fee_id)},
                            reason="Goodwill after a late delivery", origin=Origin(user=user, source="web"))


def test_removes_the_fee_and_recomputes_the_item(staff):
    item, item_fee = item_with_fee(fee_amount=700)
    run = remove(staff["ops"], item, item_fee.pk)
    item.refresh_from_db()
    item_fee.refresh_from_db()
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    assert item.seller_fee_amount == 0 and item.seller_net == item.amount
    assert item_fee.removed_at is not None


@pytest.mark.parametrize("state", [ItemState.COMPLETED, ItemState.REFUNDED, ItemState.CANCELLED])
def test_a_closed_items_fee_cannot_be_removed(staff, state):
    item, item_fee = item_with_fee(state=state)
    run = remove(staff["ops"], item, item_fee.pk)
    item.refresh_from_db()
    assert run.status == TaskRun.Status.REJECTED and "can no longer change" in run.outcome
    assert item.seller_fee_amount == 700


def test_a_disbursed_items_fee_cannot_be_removed(staff):
    item, item_fee = item_with_fee()
    make_disbursement(item=item)
    run = remove(staff["ops"], item, item_fee.pk)
    assert run.status == TaskRun.Status.REJECTED and "already been disbursed" in run.outcome


def test_a_fee_of_another_item_is_refused_naming_the_field(staff):
    item, _ = item_with_fee()
    _, other_fee = item_with_fee()
    run = remove(staff["ops"], item, other_fee.pk)
    assert run.status == TaskRun.Status.REJECTED and run.outcome.startswith("item_fee: ")


def test_a_fee_above_the_threshold_waits_for_a_lead(staff):
    item, item_fee = item_with_fee(fee_amount=APPROVAL_THRESHOLD + 1)
    run = remove(staff["ops"], item, item_fee.pk)
    item.refresh_from_db()
    assert run.status == TaskRun.Status.AWAITING_APPROVAL
    assert item.seller_fee_amount == APPROVAL_THRESHOLD + 1
    run = task_run_approve(run_id=run.pk, approver=staff["lead"], comment="ok")
    item.refresh_from_db()
    assert run.status == TaskRun.Status.SUCCEEDED and item.seller_fee_amount == 0
