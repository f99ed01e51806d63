"""Several querysets read in one UNION give exactly what reading them one by one gives."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from batches.models import Batch
from opsconsole.union_reads import Rows, read_in_one_union
from payments.models import Callback, Charge, Disbursement, Item, Transaction
from tests.factories import (
    make_batch,
    make_callback,
    make_charge,
    make_customer,
    make_disbursement,
    make_item,
    make_item_state_change,
    make_transaction,
)

pytestmark = pytest.mark.django_db


def field_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def same_rows(read, expected) -> bool:
    return [field_values(instance) for instance in read] == [field_values(instance) for instance in expected]


@pytest.fixture
def seller_with_items():
    seller = make_customer(kind="seller")
    items = [make_item(seller=seller) for _ in range(5)]
    for item in items:
        make_charge(item=item)
        make_item_state_change(item=item)
        make_transaction(item=item)
        make_callback(item=item)
    return seller, items


def test_each_queryset_gets_its_own_rows_in_its_own_order_and_limit(seller_with_items):
    seller, items = seller_with_items
    querysets = {
        "newest items": Item.objects.filter(seller=seller).order_by("-id")[:3],
        "oldest items": Item.objects.filter(seller=seller).order_by("id")[:2],
        "charges": Charge.objects.filter(item__seller=seller).order_by("created_at", "id"),
        "ledger": Transaction.objects.filter(item__in=items),
    }
    with CaptureQueriesContext(connection) as captured:
        read = read_in_one_union({name: Rows(queryset) for name, queryset in querysets.items()})
    expected_statements = 1 if connection.vendor == "postgresql" else len(querysets)
    assert len(captured.captured_queries) == expected_statements
    for name, queryset in querysets.items():
        assert same_rows(read[name], list(queryset.all())), name
    assert [item.pk for item in read["newest items"]] == [item.pk for item in reversed(items)][:3]


def test_related_records_come_with_their_rows_without_more_queries(seller_with_items):
    seller, _ = seller_with_items
    read = read_in_one_union({
        "items": Rows(Item.objects.filter(seller=seller), related=("platform", "buyer", "seller")),
        "charges": Rows(Charge.objects.filter(item__seller=seller), related=("item__platform", "card_account")),
    })
    with CaptureQueriesContext(connection) as captured:
        platforms = {item.platform.name for item in read["items"]}
        buyers = [item.buyer.email for item in read["items"]]
        sellers = {item.seller.pk for item in read["items"]}
        charge_platforms = {charge.item.platform.pk for charge in read["charges"]}
    assert captured.captured_queries == []
    assert sellers == {seller.pk}
    assert platforms == {seller.platform.name} and charge_platforms == {seller.platform_id}
    assert len(buyers) == 5


def test_a_record_of_the_same_table_and_a_key_leading_nowhere_come_as_select_related_gives_them(seller_with_items):
    _, items = seller_with_items
    first = make_disbursement(item=items[0], status=Disbursement.Status.RETURNED)
    retry = make_disbursement(item=items[0], retry_of=first)
    read = read_in_one_union({
        "payouts": Rows(Disbursement.objects.filter(item=items[0]).order_by("id"),
                        related=("retry_of__seller", "retry_of__item")),
        "items": Rows(Item.objects.filter(pk=items[0].pk)),
    })
    expected = list(Disbursement.objects.filter(item=items[0]).order_by("id")
                    .select_related("retry_of__seller", "retry_of__item"))
    assert same_rows(read["payouts"], expected)
    with CaptureQueriesContext(connection) as captured:
        original, retried = read["payouts"]
        assert (original.pk, retried.pk) == (first.pk, retry.pk)
        assert original.retry_of is None
        assert same_rows([retried.retry_of], [first])
        assert retried.retry_of.seller.pk == first.seller_id and retried.retry_of.item.pk == items[0].pk
    assert captured.captured_queries == []


def test_dates_times_and_json_round_trip(seller_with_items):
    _, items = seller_with_items
    make_batch(processing_date=datetime.date(2026, 2, 28))
    read = read_in_one_union({
        "callbacks": Rows(Callback.objects.filter(item__in=items)),
        "batches": Rows(Batch.objects.filter(processing_date=datetime.date(2026, 2, 28))),
    })
    assert same_rows(read["callbacks"], list(Callback.objects.filter(item__in=items)))
    assert read["callbacks"][0].payload == {"item_id": read["callbacks"][0].item.external_id,
                                            "state": read["callbacks"][0].item.state}
    assert isinstance(read["callbacks"][0].created_at, datetime.datetime)
    assert read["batches"][0].processing_date == datetime.date(2026, 2, 28)


def test_querysets_that_find_nothing_are_answered_too(seller_with_items):
    seller, _ = seller_with_items
    read = read_in_one_union({
        "nothing": Rows(Item.objects.filter(pk__in=[])),
        "none": Rows(Item.objects.none()),
        "items": Rows(Item.objects.filter(seller=seller).order_by("pk")),
    })
    assert read["nothing"] == [] and read["none"] == []
    assert [item.pk for item in read["items"]] == sorted(item.pk for item in Item.objects.filter(seller=seller))
