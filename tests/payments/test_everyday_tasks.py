"""Retry a disbursement, resend a callback, cancel an unpaid item, release a risk hold."""

import pytest

from accounts.models import BankAccount
from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_approve, task_run_request
from payments.models import Callback, Disbursement, ItemState
from tests.factories import make_callback, make_disbursement, make_item, make_payout_hold


def run_task(slug, user, target):
    return task_run_request(slug=slug, target_id=target.pk, raw_params={}, reason="Seller called support",
                            origin=Origin(user=user, source="web"))


class TestRetryDisbursement:
    def test_a_failed_disbursement_is_paid_again_once(self, staff):
        failed = make_disbursement(status=Disbursement.Status.RETURNED)
        run = run_task("retry-disbursement", staff["ops"], failed)
        assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
        retry = failed.retries.get()
        assert (retry.status, retry.amount, retry.bank_account.status) == (
            Disbursement.Status.PENDING, failed.amount, BankAccount.Status.VERIFIED)
        again = run_task("retry-disbursement", staff["ops"], failed)
        assert again.status == TaskRun.Status.REJECTED and f"already retried as {retry.reference}" in again.outcome
        assert run_task("retry-disbursement", staff["ops"], retry).status == TaskRun.Status.REJECTED

    def test_needs_a_verified_bank_account_and_no_payout_hold(self, staff):
        failed = make_disbursement(status=Disbursement.Status.FAILED)
        failed.seller.bank_accounts.update(status=BankAccount.Status.UNVERIFIED)
        assert "no verified bank account" in run_task("retry-disbursement", staff["ops"], failed).outcome
        held = make_disbursement(status=Disbursement.Status.FAILED)
        make_payout_hold(customer=held.seller, reason="Fraud review")
        assert "payout hold: Fraud review" in run_task("retry-disbursement", staff["ops"], held).outcome
        assert not Disbursement.objects.filter(retry_of__isnull=False).exists()

    def test_a_paid_disbursement_is_not_retried(self, staff):
        paid = make_disbursement(status=Disbursement.Status.PAID)
        assert "only a failed or returned one" in run_task("retry-disbursement", staff["ops"], paid).outcome


class TestResendCallback:
    def test_queues_a_failing_callback_again(self, staff):
        callback = make_callback(status=Callback.Status.FAILING)
        run = run_task("resend-callback", staff["engineer"], callback)
        callback.refresh_from_db()
        assert run.status == TaskRun.Status.SUCCEEDED and callback.status == Callback.Status.PENDING

    def test_refused_when_callbacks_are_off_and_for_ops_agents(self, staff):
        callback = make_callback(status=Callback.Status.FAILING)
        assert run_task("resend-callback", staff["ops"], callback).outcome.startswith("permission: ")
        callback.platform.callbacks_enabled = False
        callback.platform.save()
        assert "callbacks turned off" in run_task("resend-callback", staff["engineer"], callback).outcome


class TestItemStates:
    @pytest.mark.parametrize("state", [ItemState.PENDING, ItemState.PAYMENT_REQUIRED])
    def test_an_unpaid_item_is_cancelled_on_its_timeline(self, staff, state):
        item = make_item(state=state)
        assert run_task("cancel-item", staff["ops"], item).status == TaskRun.Status.SUCCEEDED
        item.refresh_from_db()
        change = item.state_changes.get()
        assert (item.state, change.from_state, change.to_state) == (ItemState.CANCELLED, state, ItemState.CANCELLED)

    def test_a_paid_item_is_not_cancelled(self, staff):
        item = make_item(state=ItemState.PAYMENT_DEPOSITED)
        assert "needs a refund" in run_task("cancel-item", staff["ops"], item).outcome

    def test_releasing_a_risk_hold_always_needs_a_second_person(self, staff):
        item = make_item(state=ItemState.PAYMENT_HELD)
        run = run_task("release-risk-hold", staff["ops"], item)
        item.refresh_from_db()
        assert run.status == TaskRun.Status.AWAITING_APPROVAL and item.state == ItemState.PAYMENT_HELD
        task_run_approve(run_id=run.pk, approver=staff["lead"], comment="Buyer verified")
        item.refresh_from_db()
        assert item.state == ItemState.PAYMENT_DEPOSITED
