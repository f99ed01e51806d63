"""A task's preview and a run's diff name each field as people know it — a field of the task's
target by its label ("Seller fee", not `seller_fee_amount`), any other by its name in words —
while the run keeps the field names it recorded, unchanged, for the audit."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from opsconsole.models import TaskRun
from opsconsole.tasking.base import FieldChange, diff_rows
from opsconsole.wording import field_label, humanise
from payments.models import Item
from payments.ops.remove_seller_fee import RemoveSellerFee
from tests.conftest import sign_in_verified
from tests.opsconsole.task_examples import item_with_seller_fee


class DiffFields:
    """The field cells of the page's diff tables: (label shown, field name kept in data-field)."""

    def __init__(self, html: str):
        self.cells = []
        for part in html.split('data-field="')[1:]:
            name, rest = part.split('"', 1)
            self.cells.append((rest[1:rest.index("</td>")], name))


@pytest.fixture
def ops(staff) -> Client:
    return sign_in_verified(Client(), staff["ops"])


def test_a_target_field_is_named_by_its_label_and_any_other_in_words():
    assert field_label(Item, "seller_fee_amount") == "Seller fee"
    assert field_label(Item, "external_id") == "External ID"
    assert field_label(Item, "removed_at") == "Removed at"  # a field of the item's fee, not of the item
    assert field_label(None, "callback_url") == "Callback URL"
    assert field_label(Item, "entries") == "Entries"
    assert humanise("kyc_state") == "KYC state" and humanise("ip_address") == "IP address"


def test_diff_rows_add_labels_and_keep_what_was_recorded():
    recorded = [{"record": "Item X-1", "field": "seller_fee_amount", "before": "5.00 AUD", "after": "0.00 AUD"}]
    rows = diff_rows(recorded, Item)
    assert rows == [{**recorded[0], "label": "Seller fee"}]
    assert recorded == [{"record": "Item X-1", "field": "seller_fee_amount", "before": "5.00 AUD", "after": "0.00 AUD"}]
    assert diff_rows([FieldChange("Item X-1", "state", "pending", "cancelled")], Item)[0]["label"] == "State"


def test_the_preview_and_the_run_page_say_seller_fee_and_the_run_keeps_the_field_name(db, ops, client_as):
    item = item_with_seller_fee()
    item_fee = item.item_fees.get()
    task_url = reverse("task-page", kwargs={"slug": RemoveSellerFee.slug, "target_id": item.pk})

    preview = ops.post(task_url, {"step": "preview", "item_fee": item_fee.pk})
    assert preview.status_code == 200
    assert DiffFields(preview.content.decode()).cells == [("Removed at", "removed_at"),
                                                          ("Seller fee", "seller_fee_amount")]

    confirmed = ops.post(task_url, {"step": "confirm", "item_fee": item_fee.pk,
                                    "reason": "Goodwill after a late payout", "ticket_reference": "",
                                    "idempotency_key": "diff-labels-1"})
    assert confirmed.status_code == 302
    run = TaskRun.objects.get(idempotency_key="diff-labels-1")
    assert [change["field"] for change in run.diff] == ["removed_at", "seller_fee_amount"]

    page = client_as("lead").get(reverse("admin:opsconsole_taskrun_change", args=[run.pk]))
    assert DiffFields(page.content.decode()).cells == [("Removed at", "removed_at"),
                                                       ("Seller fee", "seller_fee_amount")]
    assert ">seller_fee_amount<" not in page.content.decode()


def test_the_command_line_dry_run_says_seller_fee(db, staff, capsys):
    item = item_with_seller_fee()
    call_command("opstask", "run", RemoveSellerFee.slug, "--as", "ops", "--target", str(item.pk),
                 "--param", f"item_fee={item.item_fees.get().pk}", "--reason", "Goodwill", "--dry-run")
    out = capsys.readouterr().out
    assert "· Seller fee:" in out and "seller_fee_amount" not in out
