"""The search box reads all its look-ups in one UNION (search/rows.py): each search finds
its own objects, in one statement, and never another platform's."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Customer
from opsconsole.models import StaffPlatformAccess
from opsconsole.roles import OPS_LEAD
from search.finding import console_search
from tests.conftest import make_staff
from tests.factories import make_customer, make_disbursement, make_item, make_platform


def lead_limited_to(username: str, platforms) -> User:
    person = make_staff(username, group_name=OPS_LEAD.group_name)
    StaffPlatformAccess.objects.create(user=person).platforms.set(platforms)
    return User.objects.get(pk=person.pk)


def found(query: str, user) -> set:
    return {(match.kind.key, match.object.pk, match.matched_by) for match in console_search(query=query, user=user)}


def statements_of(query: str, user) -> tuple[set, int]:
    with CaptureQueriesContext(connection) as queries:
        matches = found(query, user)
    return matches, len(queries.captured_queries)


def test_searches_of_one_shape_find_their_own_objects_in_one_statement(db, staff):
    first, second = make_disbursement(reference="D-1000001"), make_disbursement(reference="D-1000002")
    staff["lead"].get_all_permissions()  # the person's permissions are the page's, not the search's
    assert statements_of("D-1000001", staff["lead"]) == ({("disbursement", first.pk, "reference")}, 1)
    assert statements_of("d-1000002", staff["lead"]) == ({("disbursement", second.pk, "reference")}, 1)
    # Nothing found exactly: part of an email is asked next, in a statement of its own.
    assert statements_of("D-1000003", staff["lead"]) == (set(), 2)


def test_an_id_is_looked_up_in_every_kind_in_one_statement(db, staff):
    item = make_item()
    staff["lead"].get_all_permissions()
    with CaptureQueriesContext(connection) as queries:
        assert ("item", item.pk, "id") in found(str(item.pk), staff["lead"])
    assert len(queries.captured_queries) == 1
    assert all(table in queries.captured_queries[0]["sql"] for table in (
        "accounts_customer", "payments_item", "payments_charge", "payments_disbursement", "batches_batch",
        "batches_batchentry", "accounts_platform", "apilog_apirequest"))
    other = make_item()
    assert ("item", other.pk, "id") in found(str(other.pk), staff["lead"])
    assert ("item", item.pk, "id") not in found(str(other.pk), staff["lead"])


def test_each_object_says_which_look_up_of_its_kind_found_it(db, staff):
    by_key = make_customer()
    by_external_id = make_customer(external_id=str(by_key.pk))
    by_client_id = make_platform(client_id="Kiln-Works")
    by_name = make_platform(name="kiln-works")
    staff["lead"].get_all_permissions()
    assert statements_of(str(by_key.pk), staff["lead"])[0] >= {
        ("customer", by_key.pk, "id"), ("customer", by_external_id.pk, "external id")}
    assert statements_of("Kiln-Works", staff["lead"]) == (
        {("platform", by_client_id.pk, "client id"), ("platform", by_name.pk, "name")}, 1)


def test_people_limited_to_different_platforms_find_only_their_platforms_objects(db):
    north, south = make_platform(name="North Market"), make_platform(name="South Market")
    north_customer = make_customer(platform=north, external_id="nm-usr-1")
    south_customer = make_customer(platform=south, external_id="sm-usr-1")
    lead_north, lead_south = lead_limited_to("lead_north", [north]), lead_limited_to("lead_south", [south])

    assert found("nm-usr-1", lead_north) == {("customer", north_customer.pk, "external id")}
    assert found("sm-usr-1", lead_south) == {("customer", south_customer.pk, "external id")}
    assert ("platform", north.pk, "id") in found(str(north.pk), lead_north)
    assert ("platform", north.pk, "id") not in found(str(north.pk), lead_south)
    assert found("sm-usr-1", lead_north) == set()
    assert found("nm-usr-1", lead_south) == set()


def test_someone_limited_to_no_platform_finds_nothing_and_asks_nothing(db):
    make_customer(external_id="nobody-usr-1")
    nobody_sees = lead_limited_to("lead_none", [])
    with CaptureQueriesContext(connection) as queries:
        assert console_search(query="nobody-usr-1", user=nobody_sees) == []
    assert [query["sql"] for query in queries.captured_queries if "accounts_customer" in query["sql"]] == []


@pytest.mark.parametrize("query", ["o'brien@example.com", "50%_off", "back\\slash", "x' OR '1'='1"])
def test_a_query_is_a_value_never_sql(db, staff, query):
    assert found(query, staff["lead"]) == set()


def test_part_of_an_email_matches_its_characters_literally(db, staff):
    """`_` and `%` mean themselves, as Django's `icontains` has them: no wildcard from the query."""
    plain = make_customer(email="axb.trader@market.example.com")
    underscored = make_customer(email="a_b.trader@market.example.com")
    assert found("a_b.trader", staff["lead"]) == {("customer", underscored.pk, "part of email")}
    assert found("axb.trader", staff["lead"]) == {("customer", plain.pk, "part of email")}
    assert found("a%b.trader", staff["lead"]) == set()


def test_the_search_page_lists_each_match_with_its_link_and_why_it_matched(client_as, db):
    platform = make_platform(name="Kiln & Co")
    customers = [make_customer(platform=platform, kind=Customer.Kind.SELLER, first_name="Ada", last_name=f"<b>{n}</b>",
                               email=f"potter{n}@kiln.example.com") for n in range(3)]
    page = client_as("lead").get(reverse("console-search"), {"q": "kiln.example"}).content.decode()
    rows = page.split('<tr class="search-match">')[1:]
    assert len(rows) == 3
    for customer in customers:
        url = reverse("admin:accounts_customer_change", args=[customer.pk])
        row = next(row for row in rows if f'href="{url}"' in row)
        assert f"Ada &lt;b&gt;{customer.last_name[3:-4]}&lt;/b&gt;" in row
        assert "on Kiln &amp; Co" in row and "by part of email" in row
    # A rule between rows: above every row but the first.
    assert ["border-t" in row for row in rows] == [False, True, True]
