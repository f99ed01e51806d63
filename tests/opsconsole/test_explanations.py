"""Every demo scenario gets the right verdict; explanations only read; the panel and the command."""

import json
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Customer, Platform
from batches.models import Batch
from demo import scenarios
from opsconsole.explaining.selectors import explanation_models, object_explain
from payments.models import Callback, Disbursement, Item
from tests.conftest import sign_in_verified
from tests.opsconsole.explain_helpers import FRIDAY_MORNING, verdict_of

# The demo is anchored to Friday 27 November 2026, as are these verdicts.
SEEDED_VERDICTS = [
    (Item, {"external_id": scenarios.LATE_DIRECT_DEBIT_ITEM}, "item.payment_pending.direct_debit.missed_cutoff"),
    (Batch, {"reference": scenarios.LATE_BATCH}, "batch.submitted_after_cutoff"),
    (Batch, {"reference": scenarios.HOLIDAY_BATCH}, "batch.bank_holiday"),
    (Batch, {"reference": scenarios.INVALID_ACCOUNT_BATCH}, "batch.settled"),
    (Batch, {"reference": scenarios.STUCK_BATCH}, "batch.stuck"),
    (Batch, {"reference": scenarios.FAILED_BATCH}, "batch.failed.invalid_account"),
    (Item, {"external_id": "DEMO-DECLINE-51"}, "item.payment_required.charge.declined.insufficient_funds"),
    (Item, {"external_id": "DEMO-DECLINE-43"}, "item.payment_required.charge.declined.stolen_card"),
    (Item, {"external_id": "DEMO-DECLINE-RISK"}, "item.payment_required.charge.declined.risk_rule"),
    (Item, {"external_id": "DEMO-DECLINE-INVALID"}, "item.payment_required.charge.failed.invalid_request"),
    (Item, {"external_id": scenarios.THREE_DS_ITEM}, "item.payment_pending.three_ds_incomplete"),
    (Item, {"external_id": scenarios.CARD_AUTH_PENDING_ITEM}, "item.payment_pending.authorisation_pending"),
    (Item, {"external_id": scenarios.BANK_TRANSFER_ITEM}, "item.payment_pending.bank_transfer_not_received"),
    (Item, {"external_id": scenarios.RISK_HELD_ITEM}, "item.payment_held.risk_review"),
    (Customer, {"email": scenarios.UNVERIFIED_SELLER_EMAIL}, "seller.no_verified_bank_account"),
    (Customer, {"email": scenarios.HELD_SELLER_EMAIL}, "seller.on_hold"),
    (Item, {"external_id": scenarios.SELLER_FEE_ITEM}, "item.payment_deposited.awaiting_work"),
]


@pytest.fixture(scope="module")
def seeded_demo(module_transaction):
    """The demo, seeded once for the module's tests (each test's own writes are rolled back)."""
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        call_command("seed_demo", "--scale", "0", "--today", "2026-11-27", "--force", stdout=StringIO())


@pytest.fixture
def demo(seeded_demo, db):
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        yield


@pytest.mark.parametrize("model, lookup, code", SEEDED_VERDICTS, ids=[code for _, _, code in SEEDED_VERDICTS])
def test_every_seeded_scenario_gets_the_right_verdict(demo, model, lookup, code):
    assert verdict_of(model.objects.get(**lookup)).code == code


def test_the_seeded_returns_and_failing_callbacks(demo):
    returned = Disbursement.objects.filter(batch_entries__batch__reference=scenarios.INVALID_ACCOUNT_BATCH,
                                           status=Disbursement.Status.RETURNED)
    assert {verdict_of(d).code for d in returned} == {"disbursement.returned.invalid_account_number",
                                                      "disbursement.returned.no_account"}
    closed = Disbursement.objects.get(batch_entries__batch__reference=scenarios.ACCOUNT_CLOSED_BATCH)
    assert verdict_of(closed).code == "disbursement.returned.account_closed"
    tradie = Platform.objects.get(client_id=scenarios.FAILING_CALLBACK_PLATFORM)
    assert {verdict_of(c).code for c in Callback.objects.filter(platform=tradie)} == {"callback.endpoint_failing"}


def test_explanations_only_read(demo):
    with CaptureQueriesContext(connection) as queries:
        for model in explanation_models():
            for obj in model.objects.all():
                object_explain(obj=obj)
    writes = [query["sql"] for query in queries
              if not query["sql"].lstrip(" (").upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))]
    assert len(queries) > 50 and writes == []


def test_the_command_explains_in_plain_text_and_json(demo):
    item = Item.objects.get(external_id=scenarios.LATE_DIRECT_DEBIT_ITEM)
    out = StringIO()
    call_command("explain", "item", str(item.pk), stdout=out)
    text = out.getvalue()
    assert "Why is this item in its state?" in text and "[item.payment_pending.direct_debit.missed_cutoff]" in text
    assert "Next step:" in text
    batch = Batch.objects.get(reference=scenarios.FAILED_BATCH)
    out = StringIO()
    call_command("explain", "batch", str(batch.pk), "--json", stdout=out)
    answer = json.loads(out.getvalue())["answers"][0]
    assert answer["code"] == "batch.failed.invalid_account"
    assert answer["task"] == {"slug": "reprocess-batch", "target_id": batch.pk,
                              "params": {"confirm_reference": batch.reference}}


@pytest.mark.parametrize("arguments, message", [
    (["widget", "1"], "MODEL must be one of"),
    (["item", "999999"], "There is no item with id 999999"),
    (["item", "abc"], "There is no item with id abc"),
])
def test_the_command_refuses_bad_input(db, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("explain", *arguments)


def page_as(username: str, url: str) -> str:
    """As a demo user the seed created."""
    client = sign_in_verified(Client(), User.objects.get(username=username))
    return client.get(url).content.decode()


def test_the_panel_offers_the_fixing_task_only_to_who_may_run_it(demo):
    batch = Batch.objects.get(reference=scenarios.FAILED_BATCH)
    url = f"/batches/batch/{batch.pk}/change/"
    ops_page = page_as("ops", url)
    assert "Why has this batch not been processed?" in ops_page and "batch.failed.invalid_account" in ops_page
    assert f"/tasks/reprocess-batch/{batch.pk}/?confirm_reference={batch.reference}" in ops_page
    auditor_page = page_as("auditor", url)
    assert "batch.failed.invalid_account" in auditor_page and "/tasks/reprocess-batch/" not in auditor_page
