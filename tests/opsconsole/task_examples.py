"""For every registered task: how to build a target it can run on, good parameters, and bad ones.

The conformance kit runs over every task in the registry; a task without an example here fails
the kit, so a new task cannot ship without passing it.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from accounts.models import Customer
from batches.models import Batch, BatchEntry
from payments.models import Callback, Disbursement, ItemState
from support.tracker_imports.checking import Matching, tracker_import_check, tracker_import_start
from tests.factories import (
    make_batch,
    make_batch_entry,
    make_callback,
    make_customer,
    make_disbursement,
    make_item,
    make_item_fee,
    make_payout_hold,
    make_platform,
    make_staff_user,
)


@dataclass
class TaskExample:
    make_target: Callable
    good_params: Callable = lambda target: {}  # target -> dict
    bad_params: dict | None = None  # None: the task takes no parameters
    bad_field: str = ""


def seller_on_hold():
    return make_payout_hold().customer


def item_with_seller_fee():
    item = make_item(seller_fee_amount=0)
    item_fee = make_item_fee(item=item, amount=500)
    item.seller_fee_amount = item_fee.amount
    item.save()
    return item


def failed_batch():
    batch = make_batch(status=Batch.Status.FAILED, failure_reason="File rejected by the bank")
    for _ in range(3):
        make_batch_entry(batch=batch, status=BatchEntry.Status.PENDING)
    return batch


def platform_with_failing_callbacks():
    platform = make_platform()
    for status in (Callback.Status.FAILING, Callback.Status.ABANDONED):
        make_callback(platform=platform, status=status)
    return platform


def checked_jira_bugs_import():
    """Jira's export of tests/fixtures/trackers, checked for import into bugs: three bugs and a
    task, which is rejected."""
    text = (Path(__file__).parent.parent / "fixtures" / "trackers" / "jira_issues.csv").read_text()
    uploader = make_staff_user(is_superuser=True)
    tracker_import = tracker_import_start(text=text, encoding="utf-8", into="bugs", file_name="jira.csv",
                                          person=uploader, time_zone="Australia/Sydney")
    tracker_import_check(tracker_import=tracker_import, matching=Matching.from_import(tracker_import), user=uploader)
    return tracker_import


TASK_EXAMPLES: dict[str, TaskExample] = {
    "change-email": TaskExample(
        make_target=make_customer,
        good_params=lambda customer: {"new_email": "fresh.address@example.com"},
        bad_params={"new_email": "not-an-email"},
        bad_field="new_email",
    ),
    "place-payout-hold": TaskExample(
        make_target=lambda: make_customer(kind=Customer.Kind.SELLER),
        good_params=lambda seller: {"hold_reason": "Chargeback rate above 1%"},
        bad_params={"hold_reason": ""},
        bad_field="hold_reason",
    ),
    "release-payout-hold": TaskExample(
        make_target=seller_on_hold,
        good_params=lambda seller: {"release_reason": "Disputes reviewed, all explained"},
        bad_params={"release_reason": ""},
        bad_field="release_reason",
    ),
    "remove-seller-fee": TaskExample(
        make_target=item_with_seller_fee,
        good_params=lambda item: {"item_fee": str(item.item_fees.get().pk)},
        bad_params={"item_fee": "three"},
        bad_field="item_fee",
    ),
    "reprocess-batch": TaskExample(
        make_target=failed_batch,
        good_params=lambda batch: {"confirm_reference": batch.reference},
        bad_params={"confirm_reference": ""},
        bad_field="confirm_reference",
    ),
    "retry-disbursement": TaskExample(make_target=lambda: make_disbursement(status=Disbursement.Status.FAILED)),
    "resend-callback": TaskExample(make_target=lambda: make_callback(status=Callback.Status.FAILING)),
    "resend-failing-callbacks": TaskExample(
        make_target=platform_with_failing_callbacks,
        good_params=lambda platform: {"which": "all_failing", "callback_ids": ""},
        bad_params={"which": "selected", "callback_ids": "12, twelve"},
        bad_field="callback_ids",
    ),
    "release-risk-hold": TaskExample(make_target=lambda: make_item(state=ItemState.PAYMENT_HELD)),
    "cancel-item": TaskExample(make_target=lambda: make_item(state=ItemState.PAYMENT_REQUIRED)),
    "import-tracker-file": TaskExample(
        make_target=checked_jira_bugs_import,
        good_params=lambda tracker_import: {"valid_rows_only": "on"},
        bad_params={"valid_rows_only": ""},  # one of its rows is not a bug
        bad_field="valid_rows_only",
    ),
}
