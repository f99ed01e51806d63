"""The item list's search box: an item's external id whole, or any part of it of three characters or
more when nothing matches whole, read through a trigram index on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opsconsole.models import StaffPlatformAccess
from tests.conftest import require_service
from tests.factories import make_customer, make_item, make_platform

ITEMS = reverse("admin:payments_item_changelist")
TRIGRAM_INDEX = "item_external_id_upper_trgm_idx"


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list]


@pytest.fixture
def items(db):
    platform = make_platform()
    return {
        "sofa": make_item(platform=platform, external_id="bzr-itm-7f3a9c21-sofa"),
        "lamp": make_item(platform=platform, external_id="bzr-itm-0b44e1d7-lamp"),
        "exact": make_item(platform=platform, external_id="ORD-2211"),
        "longer": make_item(platform=platform, external_id="ORD-22119"),
    }


def test_the_middle_of_an_external_id_finds_the_item(client_as, items):
    client = client_as("ops")
    assert listed(client.get(ITEMS, {"q": "7f3a9c"})) == [items["sofa"].pk]
    assert listed(client.get(ITEMS, {"q": " 0B44E1 "})) == [items["lamp"].pk]  # any case, spaces around


def test_an_external_id_matched_whole_is_all_the_search_lists(client_as, items):
    response = client_as("ops").get(ITEMS, {"q": "ORD-2211"})
    assert listed(response) == [items["exact"].pk]


def test_every_item_containing_the_fragment_is_listed_when_none_matches_whole(client_as, items):
    response = client_as("ops").get(ITEMS, {"q": "ord-221"})
    assert sorted(listed(response)) == sorted([items["exact"].pk, items["longer"].pk])


def test_a_fragment_shorter_than_three_characters_only_matches_whole(client_as, items):
    assert listed(client_as("ops").get(ITEMS, {"q": "7f"})) == []


def test_the_search_box_says_a_part_of_an_id_is_enough(client_as, items):
    assert "at least 3 characters" in client_as("ops").get(ITEMS).content.decode()


def test_a_part_of_an_id_finds_no_item_of_a_platform_the_person_may_not_see(client_as, staff, items):
    StaffPlatformAccess.objects.create(user=staff["ops"]).platforms.set([make_platform()])
    assert listed(client_as("ops").get(ITEMS, {"q": "7f3a9c"})) == []


def test_an_email_still_finds_the_buyers_items(client_as, items):
    buyer = make_customer(email="noor.haddad@example.com")
    bought = make_item(buyer=buyer)
    assert listed(client_as("ops").get(ITEMS, {"q": "noor.haddad@example.com"})) == [bought.pk]


def test_a_part_of_an_id_is_read_through_the_trigram_index(client_as, items):
    require_service("PostgreSQL", connection.vendor == "postgresql")
    client = client_as("lead")
    with CaptureQueriesContext(connection) as queries:
        assert listed(client.get(ITEMS, {"q": "7f3a9c"})) == [items["sofa"].pk]
    partial_reads = [query["sql"] for query in queries.captured_queries
                     if 'FROM "payments_item"' in query["sql"] and "LIKE" in query["sql"]
                     and not query["sql"].startswith("EXPLAIN")]
    assert partial_reads
    for sql in partial_reads:
        with connection.cursor() as cursor:
            # Priced out, so that a test table of a few rows shows the plan of a table of millions.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET LOCAL enable_seqscan = on")
        assert TRIGRAM_INDEX in plan and "Seq Scan" not in plan, f"{sql}\n{plan}"
