"""The demo holds a real, consistent case of every question ops staff and platforms ask."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import BankAccount, Customer, Platform
from batches.models import Batch, BatchEntry
from demo import scenarios
from demo.management.commands.seed_demo import REFUSE_PRODUCTION
from opsconsole.business_calendar import calendar_for
from opsconsole.roles import ROLES
from payments.models import Callback, Charge, Disbursement, Item, ItemState

FRIDAY = datetime.date(2026, 11, 27)


def seed(*extra: str, force: bool = True) -> None:
    """Seeds anchored to a fixed Friday; forced because the test runner turns DEBUG off."""
    options = ["--force"] if force else []
    call_command("seed_demo", "--scale", "0", "--today", FRIDAY.isoformat(), *options, *extra, stdout=StringIO())


@pytest.fixture
def demo(db):
    seed()


def test_every_role_has_a_demo_login_with_the_printed_password(demo, settings):
    for role in ROLES:
        user = User.objects.get(username=role.demo_username)
        assert user.check_password(settings.DEMO_PASSWORD)
        assert user.is_staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [role.group_name]


def test_direct_debit_missed_the_cutoff(demo):
    item = Item.objects.get(external_id=scenarios.LATE_DIRECT_DEBIT_ITEM)
    assert item.state == ItemState.PAYMENT_PENDING
    entry = BatchEntry.objects.select_related("batch", "charge").get(charge__item=item)
    assert entry.batch.reference == scenarios.LATE_BATCH
    assert entry.charge.created_at < entry.batch.cutoff_at < entry.batch.submitted_at
    assert entry.batch.submitted_at - entry.batch.cutoff_at == datetime.timedelta(minutes=7)
    assert entry.batch.status == Batch.Status.ACKNOWLEDGED


def test_batch_is_scheduled_on_a_bank_holiday(demo):
    batch = Batch.objects.get(reference=scenarios.HOLIDAY_BATCH)
    calendar = calendar_for(batch.network)
    assert batch.processing_date >= FRIDAY
    assert batch.processing_date.weekday() < 5
    assert calendar.holiday_name(batch.processing_date)
    assert batch.entries.count() == batch.entry_count > 0


def test_batch_entries_returned_for_invalid_account_details(demo):
    batch = Batch.objects.get(reference=scenarios.INVALID_ACCOUNT_BATCH)
    returned = batch.entries.filter(status=BatchEntry.Status.RETURNED)
    assert set(returned.values_list("return_code", flat=True)) == {"R03", "R04"}
    for entry in returned.select_related("disbursement", "bank_account"):
        assert entry.disbursement.status == Disbursement.Status.RETURNED
        assert entry.bank_account.status == BankAccount.Status.INVALID


def test_failed_and_stuck_batches(demo):
    failed = Batch.objects.get(reference=scenarios.FAILED_BATCH)
    assert failed.status == Batch.Status.FAILED and failed.failure_reason
    assert failed.entries.filter(validation_error__contains="BSB").count() == 1
    stuck = Batch.objects.get(reference=scenarios.STUCK_BATCH)
    assert stuck.status == Batch.Status.SUBMITTED and stuck.acknowledged_at is None
    assert stuck.processing_date < calendar_for(stuck.network).previous_business_day(FRIDAY)


def test_cards_declined_for_different_reasons(demo):
    declined = Charge.objects.filter(item__external_id__startswith="DEMO-DECLINE-")
    codes = set(declined.filter(decline_source=Charge.DeclineSource.ISSUER).values_list("response_code", flat=True))
    assert {"51", "05", "54", "N7", "65", "91", "43"} <= codes
    assert declined.filter(decline_source=Charge.DeclineSource.RISK).exclude(risk_rule="").exists()
    assert declined.filter(decline_source=Charge.DeclineSource.INVALID_REQUEST).exclude(error_message="").exists()
    declined_item_states = set(Item.objects.filter(charges__in=declined).values_list("state", flat=True))
    assert declined_item_states == {ItemState.PAYMENT_REQUIRED}


def test_sellers_who_are_not_being_paid(demo):
    unverified = Customer.objects.get(email=scenarios.UNVERIFIED_SELLER_EMAIL)
    assert not unverified.bank_accounts.filter(status=BankAccount.Status.VERIFIED).exists()
    assert unverified.disbursements.filter(status=Disbursement.Status.PENDING).exists()
    held = Customer.objects.get(email=scenarios.HELD_SELLER_EMAIL)
    hold = held.payout_holds.get(released_at=None)
    assert hold.placed_by.username == "lead" and hold.reason
    assert held.disbursements.filter(status=Disbursement.Status.PENDING).exists()


def test_item_carries_a_seller_fee_and_its_amounts_add_up(demo):
    item = Item.objects.get(external_id=scenarios.SELLER_FEE_ITEM)
    seller_fees = item.item_fees.filter(payer="seller", removed_at=None)
    assert seller_fees.count() == 1
    assert item.seller_fee_amount == sum(fee.amount for fee in seller_fees) == item.amount * 5 // 100
    assert item.charges.get().amount == item.amount + item.buyer_fee_amount


def test_callback_endpoint_answering_500s(demo):
    platform = Platform.objects.get(client_id=scenarios.FAILING_CALLBACK_PLATFORM)
    callbacks = Callback.objects.filter(platform=platform)
    assert callbacks.exists()
    for callback in callbacks:
        assert callback.status == Callback.Status.FAILING
        assert {delivery.response_status for delivery in callback.deliveries.all()} == {500}


def test_pending_payment_causes(demo):
    three_ds = Item.objects.get(external_id=scenarios.THREE_DS_ITEM)
    assert three_ds.charges.get().status == Charge.Status.REQUIRES_ACTION
    assert Item.objects.get(external_id=scenarios.CARD_AUTH_PENDING_ITEM).charges.get().status == Charge.Status.PENDING
    transfer = Item.objects.get(external_id=scenarios.BANK_TRANSFER_ITEM)
    assert transfer.payment_method == "bank_transfer" and not transfer.charges.exists()
    assert Item.objects.get(external_id=scenarios.RISK_HELD_ITEM).state == ItemState.PAYMENT_HELD


def test_every_item_state_change_is_recorded_in_order(demo):
    for item in Item.objects.prefetch_related("state_changes"):
        changes = list(item.state_changes.all())
        assert changes[0].to_state == ItemState.PENDING and changes[-1].to_state == item.state
        for earlier, later in zip(changes, changes[1:]):
            assert later.from_state == earlier.to_state and later.changed_at >= earlier.changed_at
            assert later.cause


def _snapshot() -> list:
    return sorted(Item.objects.values_list("external_id", "amount", "state", "buyer__email", "seller__email"))


def test_same_seed_gives_the_same_data_and_scale_adds_volume(db):
    with transaction.atomic():
        seed("--scale", "1", "--seed", "3")
        first = _snapshot()
        transaction.set_rollback(True)
    seed("--scale", "1", "--seed", "3")
    assert _snapshot() == first
    assert Item.objects.count() - Item.objects.filter(external_id__startswith="DEMO-").count() > 0


def test_scale_multiplies_everyday_items(db):
    with transaction.atomic():
        seed("--scale", "0")
        scenario_items = Item.objects.count()
        transaction.set_rollback(True)
    seed("--scale", "2")
    assert Item.objects.count() == scenario_items + 80


def test_seeding_twice_does_not_duplicate(demo):
    items = Item.objects.count()
    seed()
    assert Item.objects.count() == items


@override_settings(DEBUG=False)
def test_refuses_a_production_configuration_unless_forced(db):
    with pytest.raises(CommandError, match=REFUSE_PRODUCTION[:40]):
        seed(force=False)
    assert not Platform.objects.exists()
    seed(force=True)
    assert Platform.objects.exists()


def test_bad_today_is_a_clear_error(db):
    with pytest.raises(CommandError, match="--today must be a date as YYYY-MM-DD"):
        call_command("seed_demo", "--today", "27/11/2026")
