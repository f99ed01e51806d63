"""Pending payments nobody seeded: whatever the way of paying, its age and its batch, the answer
says "overdue" exactly when the payment's clock has run out, says it first, never promises a day
that has passed, and never tells the customer Markdown."""

import datetime
import re

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from batches.models import Batch, BatchEntry, Direction
from opsconsole.business_calendar import calendar_for
from payments.models import Charge, ItemState, PaymentMethod
from payments.pending_clocks import bank_transfer_clock, card_authorisation_clock, direct_debit_clock, three_ds_clock
from tests.factories import make_batch, make_batch_entry, make_charge, make_item
from tests.opsconsole.explain_helpers import verdict_of

AGE = st.integers(min_value=1, max_value=14 * 24 * 60).map(lambda minutes: datetime.timedelta(minutes=minutes))
PROMISE = re.compile(r"(?:clears? on|expect it on|processed on|settles on|goes out on) "
                     r"(?:\w+day )(\d{1,2} \w+ \d{4})")


def promised_days(text: str) -> list[datetime.date]:
    return [datetime.datetime.strptime(found, "%d %B %Y").date() for found in PROMISE.findall(text)]


def pending_case(kind: str, age: datetime.timedelta, batch_shape: dict):
    """The item and the clock its answer must follow."""
    started = timezone.now() - age
    if kind == "bank_transfer":
        item = make_item(state=ItemState.PAYMENT_PENDING, payment_method=PaymentMethod.BANK_TRANSFER,
                         state_changed_at=started)
        return item, bank_transfer_clock(chosen_at=started, currency=item.currency), None
    method = PaymentMethod.DIRECT_DEBIT if kind == "direct_debit" else PaymentMethod.CARD
    item = make_item(state=ItemState.PAYMENT_PENDING, payment_method=method)
    status = Charge.Status.REQUIRES_ACTION if kind == "three_ds" else Charge.Status.PENDING
    charge = make_charge(item=item, method=method, status=status, response_code="", created_at=started)
    if kind == "card":
        return item, card_authorisation_clock(started_at=started), None
    if kind == "three_ds":
        return item, three_ds_clock(started_at=started), None
    calendar = calendar_for("becs")
    processing_day = timezone.localtime(started, calendar.time_zone).date() + datetime.timedelta(
        days=batch_shape["days_after_start"])
    cutoff = calendar.cutoff_on(processing_day)
    submitted = cutoff + datetime.timedelta(minutes=batch_shape["submitted_minutes_after_cutoff"])
    batch_status = batch_shape["status"]
    batch = make_batch(direction=Direction.DEBIT, processing_date=processing_day, cutoff_at=cutoff,
                       status=batch_status, submitted_at=None if batch_status == Batch.Status.OPEN else submitted)
    make_batch_entry(batch=batch, charge=charge, status=BatchEntry.Status.PENDING)
    return item, direct_debit_clock(started_at=started, batch=batch), calendar


BATCH_SHAPE = st.fixed_dictionaries({
    "days_after_start": st.integers(0, 4),
    "submitted_minutes_after_cutoff": st.integers(-120, 600),
    "status": st.sampled_from([Batch.Status.OPEN, Batch.Status.SUBMITTED, Batch.Status.ACKNOWLEDGED]),
})


@pytest.mark.django_db
@hypothesis_settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["card", "three_ds", "direct_debit", "bank_transfer"]), age=AGE, batch_shape=BATCH_SHAPE)
def test_a_pending_payment_is_overdue_exactly_when_its_clock_has_run_out(kind, age, batch_shape):
    with transaction.atomic():
        item, clock, calendar = pending_case(kind, age, batch_shape)
        verdict = verdict_of(item)
        transaction.set_rollback(True)
    text = f"{verdict.summary} {verdict.next_step}"
    # Bounds anyone can check, apart from the clocks: a card answer or a 3-D Secure verification
    # pending a day, a transfer a week, is late whatever the calendar.
    beyond_doubt = {"card": datetime.timedelta(days=1), "three_ds": datetime.timedelta(days=1),
                    "bank_transfer": datetime.timedelta(days=8)}
    if kind in beyond_doubt and age > beyond_doubt[kind]:
        assert clock.overdue()
    if clock.overdue():
        assert "overdue" in verdict.code and verdict.summary.startswith("Overdue by"), verdict
        assert not verdict.next_step.startswith(("Nothing to do", "Wait")), verdict
    else:
        assert "overdue" not in verdict.code and not verdict.summary.startswith("Overdue"), verdict
    today = timezone.localtime(timezone.now(), calendar.time_zone if calendar else None).date()
    assert all(day >= today for day in promised_days(text)), verdict
    assert "`" not in verdict.tell_the_customer


@pytest.mark.parametrize("text", ["the funds clear on Wednesday 2 December 2026",
                                  "Nothing to do: expect it on Monday 30 November 2026"])
def test_the_promise_finder_finds_promised_days(text):
    assert promised_days(text)


ZONE_NAMED = re.compile(r"\d{1,2}:\d{2}(?::\d{2})? (?:[A-Z]{2,5}|[+-]\d{2,4})\b")
TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")


@pytest.mark.django_db
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["card", "three_ds", "direct_debit", "bank_transfer"]), age=AGE, batch_shape=BATCH_SHAPE)
def test_every_time_in_an_answer_carries_its_zone(kind, age, batch_shape):
    with transaction.atomic():
        item, _, _ = pending_case(kind, age, batch_shape)
        verdict = verdict_of(item)
        transaction.set_rollback(True)
    texts = [verdict.summary, verdict.next_step, verdict.tell_the_customer,
             *(str(evidence.value) for evidence in verdict.evidence)]
    for text in texts:
        assert len(TIME_OF_DAY.findall(text)) == len(ZONE_NAMED.findall(text)), text


@pytest.mark.django_db
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["card", "three_ds", "direct_debit", "bank_transfer"]), age=AGE, batch_shape=BATCH_SHAPE)
def test_the_dashboard_flags_a_waiting_item_exactly_when_its_answer_says_overdue(staff, kind, age, batch_shape):
    from dashboard.page import dashboard_for

    with transaction.atomic():
        item, _, _ = pending_case(kind, age, batch_shape)
        verdict = verdict_of(item)
        waiting_items = dashboard_for(user=staff["root"]).content("waiting-items").items
        shown = {waiting.item.pk: waiting for waiting in waiting_items}
        transaction.set_rollback(True)
    assert bool(shown[item.pk].overdue_by) == ("overdue" in verdict.code), (verdict, shown[item.pk])
