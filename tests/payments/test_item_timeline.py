"""An item's timeline: everything that happened to it, in time order, with its cause, in a fixed
number of queries, and drawn on the item's page for the people who may see each kind of record."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from batches.models import Batch, BatchEntry, Direction
from opsconsole.models import TaskRun
from opsconsole.money import format_minor_units
from opsconsole.tasking.services import Origin, task_run_request
from payments.models import Charge, Disbursement, ItemState, PaymentMethod
from payments.selectors import TIMELINE_KIND_ORDER, TimelineKind, Tone, item_timeline, item_timeline_kinds_visible_to
from tests.factories import (
    make_batch,
    make_batch_entry,
    make_callback,
    make_charge,
    make_disbursement,
    make_item,
    make_item_state_change,
    make_payments_world,
    make_transaction,
)


def run_task(slug, user, target, **params):
    return task_run_request(slug=slug, target_id=target.pk, raw_params=params, reason="Seller called support",
                            origin=Origin(user=user, source="web"), ticket_reference="SUP-77")


@pytest.fixture
def life(staff):
    """An item paid by direct debit after its card was declined, paid out, returned by the bank,
    retried by ops, with a callback that failed twice before it was delivered."""
    start = timezone.now() - timedelta(days=5)
    at = lambda hours: start + timedelta(hours=hours)  # noqa: E731
    item = make_item(payment_method=PaymentMethod.DIRECT_DEBIT, state=ItemState.COMPLETED, created_at=start,
                     state_changed_at=at(31))
    steps = [("", ItemState.PENDING, 0, "Item created (API: POST /items)"),
             (ItemState.PENDING, ItemState.PAYMENT_REQUIRED, 1, "Buyer accepted the item"),
             (ItemState.PAYMENT_REQUIRED, ItemState.PAYMENT_PENDING, 3, "Payment submitted by direct debit"),
             (ItemState.PAYMENT_PENDING, ItemState.PAYMENT_DEPOSITED, 20, "Direct debit settled"),
             (ItemState.PAYMENT_DEPOSITED, ItemState.WORK_COMPLETED, 30, "Seller marked the work complete"),
             (ItemState.WORK_COMPLETED, ItemState.COMPLETED, 31, "Buyer released the payment")]
    for from_state, to_state, hours, cause in steps:
        make_item_state_change(item=item, from_state=from_state, to_state=to_state, changed_at=at(hours), cause=cause)
    declined = make_charge(item=item, method=PaymentMethod.CARD, status=Charge.Status.DECLINED, response_code="51",
                           decline_source=Charge.DeclineSource.ISSUER, created_at=at(2), updated_at=at(2))
    debit = make_charge(item=item, status=Charge.Status.SUCCEEDED, response_code="", created_at=at(3),
                        updated_at=at(20))
    debit_batch = make_batch(direction=Direction.DEBIT, status=Batch.Status.SETTLED, reference="B-TL-DEBIT")
    make_batch_entry(batch=debit_batch, charge=debit, status=BatchEntry.Status.SETTLED, created_at=at(3.5))
    make_transaction(charge=debit, created_at=at(20))
    callback = make_callback(item=item, event_type="item.payment_deposited", deliveries=3, created_at=at(20.5))
    disbursement = make_disbursement(item=item, status=Disbursement.Status.RETURNED, created_at=at(32),
                                     failure_reason="Bank return 3: account closed")
    make_transaction(disbursement=disbursement, created_at=at(32))
    credit_batch = make_batch(direction=Direction.CREDIT, status=Batch.Status.SETTLED, reference="B-TL-CREDIT")
    make_batch_entry(batch=credit_batch, disbursement=disbursement, status=BatchEntry.Status.RETURNED,
                     return_code="3", created_at=at(33), returned_at=at(50))
    refused = run_task("remove-seller-fee", staff["ops"], item, item_fee="999999")
    retried = run_task("retry-disbursement", staff["ops"], disbursement)
    elsewhere = run_task("cancel-item", staff["ops"], make_item(state=ItemState.PAYMENT_REQUIRED))
    assert (refused.status, retried.status, elsewhere.status) == (
        TaskRun.Status.REJECTED, TaskRun.Status.SUCCEEDED, TaskRun.Status.SUCCEEDED)
    return {"item": item, "declined": declined, "debit": debit, "callback": callback, "disbursement": disbursement,
            "refused": refused, "retried": retried, "elsewhere": elsewhere}


def test_the_timeline_tells_the_items_life_in_time_order(life):
    events = item_timeline(item=life["item"])
    debit, declined, disbursement = life["debit"], life["declined"], life["disbursement"]
    retry = disbursement.retries.get()
    assert [(event.kind, event.title) for event in events] == [
        (TimelineKind.STATE_CHANGE, "Created as pending"),
        (TimelineKind.STATE_CHANGE, "Pending → Payment required"),
        (TimelineKind.CHARGE, f"Card charge {declined.gateway_reference}: declined"),
        # At the same moment, the charge comes before the state change it caused.
        (TimelineKind.CHARGE, f"Direct debit charge {debit.gateway_reference}: succeeded"),
        (TimelineKind.STATE_CHANGE, "Payment required → Payment pending"),
        (TimelineKind.BATCH_ENTRY, f"Direct debit of charge {debit.gateway_reference} in batch B-TL-DEBIT"),
        (TimelineKind.LEDGER, f"Ledger: payment received {_money(debit.amount)}"),
        (TimelineKind.STATE_CHANGE, "Payment pending → Payment deposited"),
        (TimelineKind.CALLBACK, f"Callback item.payment_deposited to {life['item'].platform.name}: delivered"),
        (TimelineKind.CALLBACK_DELIVERY, "Delivery attempt 1 of item.payment_deposited: HTTP 500 in 121 ms"),
        (TimelineKind.CALLBACK_DELIVERY, "Delivery attempt 2 of item.payment_deposited: HTTP 500 in 122 ms"),
        (TimelineKind.CALLBACK_DELIVERY, "Delivery attempt 3 of item.payment_deposited: HTTP 200 in 123 ms"),
        (TimelineKind.STATE_CHANGE, "Payment deposited → Work completed"),
        (TimelineKind.STATE_CHANGE, "Work completed → Completed"),
        (TimelineKind.LEDGER, f"Ledger: disbursement {_money(-disbursement.amount)}"),
        (TimelineKind.DISBURSEMENT,
         f"Disbursement {disbursement.reference} of {_money(disbursement.amount)}: returned by the bank"),
        (TimelineKind.BATCH_ENTRY, f"Payout of disbursement {disbursement.reference} in batch B-TL-CREDIT"),
        (TimelineKind.BATCH_ENTRY, "Returned by the bank from batch B-TL-CREDIT: return code 3"),
        (TimelineKind.TASK_RUN,
         f"Task run #{life['refused'].pk}: Remove a seller fee from an item on item #{life['item'].pk} — rejected"),
        (TimelineKind.TASK_RUN,
         f"Task run #{life['retried'].pk}: Retry a failed disbursement on {disbursement} — succeeded"),
        (TimelineKind.DISBURSEMENT, f"Disbursement {retry.reference} of {_money(retry.amount)}: waiting for a batch"),
    ]
    assert [event.at for event in events] == sorted(event.at for event in events)


def _money(amount):
    return format_minor_units(amount, "AUD")


def test_each_step_says_what_caused_it_and_links_to_its_record(life):
    events = {event.title: event for event in item_timeline(item=life["item"])}
    by_start = lambda text: next(event for title, event in events.items() if title.startswith(text))  # noqa: E731

    declined = by_start("Card charge")
    assert declined.tone == Tone.DANGER and "response code 51" in declined.detail
    assert "declined by card issuer" in declined.detail
    assert declined.cause.startswith("Payment by the buyer with Visa ••••")
    assert declined.url == reverse("admin:payments_charge_change", args=[life["declined"].pk])

    assert by_start("Payment pending → Payment deposited").cause == "Direct debit settled"
    assert by_start("Ledger: payment received").cause == f"Charge {life['debit'].gateway_reference}"
    first_attempt = by_start("Delivery attempt 1")
    assert first_attempt.tone == Tone.DANGER and "HTTP 500 Internal Server Error" in first_attempt.detail
    assert by_start("Delivery attempt 3").tone == Tone.SUCCESS
    assert by_start("Callback").url == reverse("admin:payments_callback_change", args=[life["callback"].pk])

    returned = by_start("Returned by the bank")
    assert returned.tone == Tone.DANGER
    assert returned.url == reverse("admin:batches_batch_change", args=[Batch.objects.get(reference="B-TL-CREDIT").pk])
    payout = by_start(f"Disbursement {life['disbursement'].reference} ")
    assert payout.detail == "Bank return 3: account closed" and payout.tone == Tone.DANGER
    entry = by_start("Payout of disbursement")
    assert "Batch B-TL-CREDIT is settled" in entry.detail and "entry returned by the bank" in entry.detail

    retried = by_start(f"Task run #{life['retried'].pk}")
    assert retried.cause == "Requested by ops (web)" and retried.tone == Tone.SUCCESS
    assert "Reason: Seller called support" in retried.detail and "Ticket SUP-77" in retried.detail
    assert retried.url == reverse("admin:opsconsole_taskrun_change", args=[life["retried"].pk])
    refused = by_start(f"Task run #{life['refused'].pk}")
    assert refused.tone == Tone.DANGER and "its fees can no longer change" in refused.detail
    assert not any(f"#{life['elsewhere'].pk}:" in title for title in events)


def test_kinds_limit_the_steps(life):
    events = item_timeline(item=life["item"], kinds={TimelineKind.TASK_RUN})
    assert [event.kind for event in events] == [TimelineKind.TASK_RUN, TimelineKind.TASK_RUN]


def test_each_role_sees_the_kinds_of_record_it_may_open(staff):
    assert item_timeline_kinds_visible_to(user=staff["auditor"]) == {TimelineKind.TASK_RUN}
    assert TimelineKind.CALLBACK not in item_timeline_kinds_visible_to(user=staff["ops"])
    assert TimelineKind.TASK_RUN not in item_timeline_kinds_visible_to(user=staff["developer"])
    assert item_timeline_kinds_visible_to(user=staff["nobody"]) == set()
    assert item_timeline_kinds_visible_to(user=staff["lead"]) == set(TIMELINE_KIND_ORDER)


def test_an_item_with_nothing_but_its_creation_has_a_one_step_timeline(db):
    item = make_item(state=ItemState.PENDING)
    make_item_state_change(item=item, from_state="", to_state=ItemState.PENDING, cause="Item created")
    events = [(event.title, event.cause) for event in item_timeline(item=item)]
    assert events == [("Created as pending", "Item created")]


def count_queries(item) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        events = item_timeline(item=item)
    return len(captured.captured_queries), len(events)


def test_the_timeline_runs_as_many_queries_for_a_long_life_as_for_a_short_one(staff):
    world = make_payments_world(2)
    make_callback(item=world.item, deliveries=2)
    run_task("retry-disbursement", staff["lead"], make_disbursement(item=world.item, status=Disbursement.Status.FAILED))
    item_timeline(item=world.item)  # content types are cached after the first use
    small_queries, small_events = count_queries(world.item)

    make_payments_world(8, world=world)
    make_callback(item=world.item, deliveries=4)
    for _ in range(3):
        run_task("retry-disbursement", staff["lead"],
                 make_disbursement(item=world.item, status=Disbursement.Status.RETURNED))
    large_queries, large_events = count_queries(world.item)

    assert large_events > 2 * small_events
    assert large_queries == small_queries
    if connection.vendor == "postgresql":
        assert small_queries <= 2  # the item's records, then what hangs off them, each as one statement


# On the item's page.


def item_page(client, item) -> str:
    response = client.get(reverse("admin:payments_item_change", args=[item.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_items_page_draws_the_timeline_below_its_details(life, client_as):
    html = item_page(client_as("lead"), life["item"])
    timeline = html[html.index('id="item-timeline"'):]
    assert html.index('id="item-timeline"') > html.index("Seller fees")  # below the details
    for text in ("Created as pending", f"Card charge {life['declined'].gateway_reference}: declined",
                 "Returned by the bank from batch B-TL-CREDIT: return code 3",
                 "Delivery attempt 1 of item.payment_deposited: HTTP 500", "Requested by ops (web)",
                 f'href="{reverse("admin:opsconsole_taskrun_change", args=[life["retried"].pk])}"',
                 'data-kind="callback_delivery"', ">credit_card<"):
        assert text in timeline, text
    assert timeline.index("Created as pending") < timeline.index("Returned by the bank from batch")


def test_the_timeline_shows_each_person_only_what_they_may_open(life, client_as):
    ops = item_page(client_as("ops"), life["item"])
    assert "Returned by the bank from batch B-TL-CREDIT" in ops and "Delivery attempt" not in ops
    auditor = item_page(client_as("auditor"), life["item"])
    timeline = auditor[auditor.index('id="item-timeline"'):]
    assert f"Task run #{life['retried'].pk}" in timeline
    assert 'data-kind="charge"' not in timeline and 'data-kind="state_change"' not in timeline
    assert client_as("nobody").get(reverse("admin:payments_item_change", args=[life["item"].pk])).status_code == 403
