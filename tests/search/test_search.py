"""The one search box: every kind of key finds its object, the page redirects, lists or says
nothing matches, people see only what they may view, and on PostgreSQL every look-up is served
by an index (partial email by the trigram index)."""

import re
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Customer
from search.finding import (
    EMPTY_QUERY,
    QUERY_TOO_LONG,
    QUERY_TOO_SHORT,
    console_search,
    search_lookups,
    search_query_problem,
    searchable_keys,
)
from search.registry import registry
from search.views import KIND_LIMIT
from tests.conftest import require_service
from tests.factories import (
    make_batch,
    make_batch_entry,
    make_card_account,
    make_charge,
    make_customer,
    make_disbursement,
    make_item,
    make_platform,
)

EMAIL_TRIGRAM_INDEX = "customer_email_upper_trgm_idx"


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def search_url(query: str, **extra) -> str:
    return f"{reverse('console-search')}?{urlencode({'q': query, **extra})}"


@pytest.fixture(autouse=True)
def fresh_command_cache():
    """unfold caches the palette's results per user id and term, and ids repeat between tests."""
    cache.clear()


@pytest.fixture
def findable(db):
    """One object of every kind with keys no other test data shares."""
    platform = make_platform(name="Ceramics Bazaar", client_id="ceramics-bazaar-prod")
    seller = make_customer(platform=platform, kind=Customer.Kind.SELLER, external_id="cb-usr-000731",
                           email="maria.rossi@ceramics.example.com")
    buyer = make_customer(platform=platform, kind=Customer.Kind.BUYER, external_id="cb-usr-000732",
                          email="luca.bianchi@buyers.example.org")
    item = make_item(buyer=buyer, seller=seller, external_id="cb-itm-5501")
    card = make_card_account(customer=buyer, last_four="7319")
    charge = make_charge(item=item, card_account=card, gateway_reference="ch_7Qx81Lm20Zp")
    disbursement = make_disbursement(item=item, reference="D-4407121")
    batch = make_batch(reference="B-98321")
    entry = make_batch_entry(batch=batch, disbursement=disbursement, trace_number="B-98321-0000042")
    return {
        "platform": platform, "seller": seller, "buyer": buyer, "item": item, "charge": charge,
        "disbursement": disbursement, "batch": batch, "entry": entry,
    }


KEYS = [
    # (what is typed, the object it finds, the key it finds it by)
    ("maria.rossi@ceramics.example.com", "seller", "email"),
    ("Maria.Rossi@CERAMICS.example.COM", "seller", "email"),
    ("rossi@ceram", "seller", "part of email"),
    ("maria.ros", "seller", "part of email"),
    ("CERAMICS.EXAMPLE", "seller", "part of email"),
    ("cb-usr-000731", "seller", "external id"),
    ("cb-itm-5501", "item", "external id"),
    ("CB-ITM-5501", "item", "external id"),
    ("ch_7Qx81Lm20Zp", "charge", "gateway reference"),
    ("7319", "charge", "card last four"),
    ("D-4407121", "disbursement", "reference"),
    ("d-4407121", "disbursement", "reference"),
    ("B-98321", "batch", "reference"),
    ("b-98321", "batch", "reference"),
    ("B-98321-0000042", "entry", "trace number"),
    ("ceramics-bazaar-prod", "platform", "client id"),
    ("ceramics bazaar", "platform", "name"),
]


@pytest.mark.parametrize(("query", "name", "matched_by"), KEYS)
def test_each_kind_of_key_finds_its_object(findable, staff, query, name, matched_by):
    expected = findable[name]
    matches = console_search(query=query, user=staff["ops"])
    found = [(match.object, match.matched_by, match.url) for match in matches]
    assert (expected, matched_by, change_url(expected)) in found


@pytest.mark.parametrize("name", ["platform", "seller", "item", "charge", "disbursement", "batch", "entry"])
def test_an_internal_id_finds_the_object_of_each_kind(findable, staff, name):
    expected = findable[name]
    matches = console_search(query=str(expected.pk), user=staff["ops"])
    assert (expected, "id") in [(match.object, match.matched_by) for match in matches]


def test_a_reference_finds_only_its_object(findable, staff):
    matches = console_search(query="B-98321", user=staff["ops"])
    assert [(match.kind.key, match.object) for match in matches] == [("batch", findable["batch"])]
    assert matches[0].label == "Batch B-98321"


def test_partial_email_is_only_asked_when_nothing_matches_exactly(findable, staff):
    make_customer(platform=findable["platform"], email="anna.maria.rossi@ceramics.example.com")
    matches = console_search(query="maria.rossi@ceramics.example.com", user=staff["ops"])
    assert [match.object for match in matches] == [findable["seller"]]

    partial = console_search(query="maria.rossi@", user=staff["ops"])
    assert {match.object.email for match in partial} == {
        "maria.rossi@ceramics.example.com", "anna.maria.rossi@ceramics.example.com",
    }
    assert {match.matched_by for match in partial} == {"part of email"}


PLATFORM_PARTS = {("platform", "part of name"), ("platform", "part of client id")}


def test_a_platform_is_found_by_any_part_of_its_name_or_client_id(findable, staff):
    for query in ("ceramics", "Bazaar", "zaar", "bazaar-prod", "AMICS-BAZ"):
        matches = console_search(query=query, user=staff["ops"])
        assert findable["platform"] in [match.object for match in matches], query
    assert console_search(query="Ceramics Bazaar", user=staff["ops"])[0].matched_by == "name"


def test_the_shape_of_the_query_decides_the_look_ups():
    def asked(query):
        exact, partial = search_lookups(query)
        return {(lookup.kind.key, lookup.matched_by) for lookup in exact}, {
            (lookup.kind.key, lookup.matched_by) for lookup in partial
        }

    digits_exact, digits_partial = asked("4242")
    assert ("charge", "card last four") in digits_exact
    assert ("batch", "id") in digits_exact and ("customer", "id") in digits_exact
    assert digits_partial == PLATFORM_PARTS
    assert ("platform", "name") not in digits_exact
    assert ("charge", "card last four") not in asked("42424")[0]

    email_exact, email_partial = asked("maria@example.com")
    assert email_exact == {("customer", "email")}
    assert email_partial == {("customer", "part of email"), *PLATFORM_PARTS}

    reference_exact, _ = asked("B-1042")
    assert ("batch", "reference") in reference_exact
    assert not any(matched_by == "id" for _, matched_by in reference_exact)

    assert asked("Bazaar Market") == ({("platform", "name")}, PLATFORM_PARTS)
    assert asked("") == (set(), set())
    assert asked("ab") == (set(), set())


@pytest.mark.parametrize("query", ["", "   ", "ab", "@x", "maria.rossi@ceramics.example.com" * 9])
def test_an_empty_short_or_long_query_is_refused_and_finds_nothing(findable, staff, query):
    assert search_query_problem(query) in (EMPTY_QUERY, QUERY_TOO_SHORT, QUERY_TOO_LONG)
    assert console_search(query=query, user=staff["root"]) == []


@pytest.mark.parametrize("query", ["9" * 40, "maria\x00rossi", "B-98321\x00", "%%%", "___"])
def test_queries_no_key_can_have_find_nothing_without_error(findable, staff, query):
    assert console_search(query=query, user=staff["root"]) == []


def test_results_come_grouped_by_kind_and_within_the_limit(findable, staff):
    for number in range(3):
        make_customer(platform=findable["platform"], email=f"ceramist{number}@ceramics.example.com")
    matches = console_search(query="ceramics.example", user=staff["ops"], limit=2)
    assert len(matches) == 2
    assert all(match.kind.key == "customer" for match in matches)


# --- Permissions -------------------------------------------------------------------------------

def test_the_auditor_sees_no_charges(findable, staff):
    auditor = staff["auditor"]
    assert console_search(query="ch_7Qx81Lm20Zp", user=auditor) == []
    assert "charge" not in {match.kind.key for match in console_search(query="7319", user=auditor)}
    assert [match.object for match in console_search(query="B-98321", user=auditor)] == [findable["batch"]]


def test_only_kinds_the_person_may_view_are_asked(findable, staff):
    with CaptureQueriesContext(connection) as queries:
        console_search(query="ch_7Qx81Lm20Zp", user=staff["auditor"])
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert "payments_charge" not in tables
    assert "payments_disbursement" not in tables
    assert "batches_batchentry" not in tables

    kinds = {match.kind.key for match in console_search(query=str(findable["charge"].pk), user=staff["auditor"])}
    assert kinds <= {"customer", "item", "batch", "platform"}


def test_nobody_finds_nothing(findable, staff):
    for query, _, _ in KEYS:
        assert console_search(query=query, user=staff["nobody"]) == []


# --- The page ----------------------------------------------------------------------------------

def test_one_match_goes_straight_to_the_object(findable, client_as):
    response = client_as("ops").get(search_url("B-98321"))
    assert response.status_code == 302
    assert response["Location"] == change_url(findable["batch"])


def test_several_matches_are_listed_by_kind(findable, client_as):
    make_customer(platform=findable["platform"], email="paolo.rossi@ceramics.example.com")
    response = client_as("ops").get(search_url("rossi@ceramics"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Customers (2)" in page
    assert "maria.rossi@ceramics.example.com" in page and "paolo.rossi@ceramics.example.com" in page
    assert f'href="{change_url(findable["seller"])}"' in page
    assert "by part of email" in page


def test_matches_of_several_kinds_are_listed_under_each_kind(findable, client_as):
    batch = findable["batch"]
    namesake = make_customer(platform=findable["platform"], external_id=str(batch.pk))
    page = client_as("root").get(search_url(str(batch.pk))).content.decode()
    assert "Batches (1)" in page
    assert re.search(r"Customers \(\d+\)", page)
    assert f'href="{change_url(batch)}"' in page and f'href="{change_url(namesake)}"' in page
    assert page.index("Customers (") < page.index("Batches (1)")


def test_a_long_run_of_one_kind_shows_the_newest_and_leads_to_the_list_of_them_all(findable, client_as):
    card, item = findable["charge"].card_account, findable["item"]
    charges = [findable["charge"]] + [make_charge(item=item, card_account=card) for _ in range(KIND_LIMIT + 1)]
    client = client_as("ops")
    response = client.get(search_url(card.last_four))
    page = response.content.decode()
    assert f"Charges ({KIND_LIMIT} of more)" in page
    newest_first = sorted(charges, key=lambda charge: -charge.pk)
    shown = [charge for charge in charges if f'href="{change_url(charge)}"' in page]
    assert shown == sorted(newest_first[:KIND_LIMIT], key=lambda charge: charge.pk)
    [group] = [group for group in response.context["groups"] if group.kind.key == "charge"]
    listed = client.get(group.list_url)
    assert listed.status_code == 200
    assert {charge.pk for charge in listed.context["cl"].result_list} == {charge.pk for charge in charges}


def test_a_long_run_no_list_repeats_says_there_are_more(findable, client_as):
    for number in range(KIND_LIMIT + 1):
        make_customer(platform=findable["platform"], email=f"ceramist{number}@ceramics.example.com")
    response = client_as("ops").get(search_url("ceramics.example"))
    page = response.content.decode()
    assert f"Customers ({KIND_LIMIT} of more)" in page and "More than 10 matches." in page
    assert "There are more; make the search more precise to see them." in page
    assert all(not group.list_url for group in response.context["groups"])


def test_a_short_run_is_shown_whole_without_a_note(findable, client_as):
    make_customer(platform=findable["platform"], email="paolo.rossi@ceramics.example.com")
    response = client_as("ops").get(search_url("rossi@ceramics"))
    page = response.content.decode()
    assert "2 matches." in page and "search-more" not in page


def test_a_look_up_said_to_be_listed_is_searched_exactly_by_its_kinds_list():
    for kind in registry.all():
        search_fields = set(admin.site.get_model_admin(kind.model).search_fields)
        for field in kind.fields:
            if field.listed:
                assert {f"{field.field}__exact", f"={field.field}", f"{field.field}__iexact"} & search_fields, (
                    kind.key, field.field)


def test_each_kind_is_cut_to_its_share_in_the_order_of_the_results(findable, staff):
    for number in range(4):
        make_customer(platform=findable["platform"], email=f"ceramist{number}@ceramics.example.com")
    everything = console_search(query="ceramics", user=staff["ops"])
    per_kind = console_search(query="ceramics", user=staff["ops"], limit=None, per_kind=2)
    found = [(match.kind.key, match.object.pk) for match in everything]
    kept = [(match.kind.key, match.object.pk) for match in per_kind]
    kinds = [kind for kind, _ in found]
    assert kinds.count("customer") > 2 and "platform" in kinds
    assert set(kept) <= set(found)
    assert [kind for kind, _ in kept] == sorted((kind for kind, _ in kept), key=kinds.index)
    for kind in set(kinds):
        of_kind = [key for each_kind, key in kept if each_kind == kind]
        assert len(of_kind) == min(2, kinds.count(kind)) and of_kind == sorted(of_kind, reverse=True)


def test_nothing_matches_says_so_and_what_can_be_searched(findable, client_as):
    response = client_as("ops").get(search_url("no-such-reference-77"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing matches “no-such-reference-77”." in page
    for key in searchable_keys():
        assert escape(key) in page


@pytest.mark.parametrize(("query", "message"), [
    ("", EMPTY_QUERY), ("ab", QUERY_TOO_SHORT), ("x" * 255, QUERY_TOO_LONG),
])
def test_an_empty_or_short_query_says_what_is_needed(client_as, query, message):
    response = client_as("ops").get(search_url(query))
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert "Nothing matches" not in response.content.decode()


def test_a_charge_reference_finds_nothing_for_the_auditor(findable, client_as):
    response = client_as("auditor").get(search_url("ch_7Qx81Lm20Zp"))
    assert response.status_code == 200
    assert "Nothing matches “ch_7Qx81Lm20Zp”." in response.content.decode()


def test_the_search_page_is_behind_the_login(client, findable):
    response = client.get(search_url("B-98321"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("path", ["admin:index", "admin:batches_batch_changelist", "console-search"])
def test_every_page_has_the_search_box(client_as, path):
    page = client_as("ops").get(reverse(path)).content.decode()
    assert re.search(r'<form method="get" action="/search/" role="search" id="console-search-box"', page)
    assert 'name="q"' in page


def test_the_command_palette_shows_the_consoles_matches(findable, client_as):
    # unfold's palette asks /search/ with `s` (admin:search): handed on to unfold, with our callback.
    response = client_as("ops").get(reverse("admin:search"), {"s": "B-98321", "extended": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{change_url(findable["batch"])}"' in page
    assert 'data-title="Batch B-98321"' in page
    assert f'href="{search_url("B-98321")}"' in page


def test_the_command_palette_hides_what_the_person_may_not_view(findable, client_as):
    page = client_as("auditor").get(reverse("admin:search"), {"s": "ch_7Qx81Lm20Zp", "extended": "1"}).content.decode()
    assert change_url(findable["charge"]) not in page


# --- Query plans on PostgreSQL -----------------------------------------------------------------

def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def plans_of_search(query: str, user) -> list[tuple[str, str]]:
    """The SQL of every look-up the search ran, with its plan."""
    with CaptureQueriesContext(connection) as queries:
        console_search(query=query, user=user)
    return [(captured["sql"], explain(captured["sql"])) for captured in queries.captured_queries]


def many_customers(platform, count: int) -> None:
    """`count` customers with varied emails, written by the database itself (PostgreSQL only)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Customer._meta.db_table}
                (platform_id, external_id, kind, email, first_name, last_name, country, kyc_state, created_at)
            SELECT %s, 'bulk-' || n, 'buyer',
                   'shopper' || n || '.' || left(md5(n::text), 8) || '@mail' || (n %% 97) || '.example.net',
                   'Bulk', 'Shopper' || n, 'AU', 'approved', now()
            FROM generate_series(1, %s) AS n""",
            [platform.pk, count],
        )
        cursor.execute(f"ANALYZE {Customer._meta.db_table}")


@pytest.fixture
def postgresql():
    require_service("PostgreSQL", connection.vendor == "postgresql")


def test_partial_email_on_a_large_table_uses_the_trigram_index(postgresql, findable, staff):
    many_customers(findable["platform"], 20_000)
    # Priced out, a sequential scan stays in the plan only when no index can serve the LIKE; the
    # planner's choice between them on a real table is a matter of its statistics.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plans = [plan for sql, plan in plans_of_search("rossi@ceram", staff["ops"]) if "LIKE" in sql]
    assert len(plans) == 1, plans
    assert EMAIL_TRIGRAM_INDEX in plans[0], plans[0]
    assert "Seq Scan on accounts_customer" not in plans[0], plans[0]


@pytest.mark.parametrize("query", [
    "maria.rossi@ceramics.example.com", "cb-usr-000731", "B-98321", "7319", "ceramics bazaar",
    "D-4407121", "12345",
])
def test_every_look_up_is_served_by_an_index(postgresql, findable, staff, query):
    # With sequential scans priced out, a Seq Scan left in a plan is one no index can serve.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plans = plans_of_search(query, staff["root"])
    assert plans
    for sql, plan in plans:
        assert "Seq Scan" not in plan, f"{sql}\n{plan}"
        assert "Index Cond" in plan or "Recheck Cond" in plan, f"{sql}\n{plan}"


# --- Cost ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "statements"), [
    ("B-98321", 1), ("maria.rossi@ceramics.example.com", 1), ("7319", 1),
    # Nothing matches exactly: then part of an email or of a platform's name or client id, in a
    # second query.
    ("rossi@ceram", 2), ("12345", 2),
])
def test_a_search_is_one_query_however_many_kinds_and_keys_it_asks(findable, staff, query, statements):
    with CaptureQueriesContext(connection) as queries:
        matches = console_search(query=query, user=staff["root"])
        labels = [(match.label, match.detail) for match in matches]  # what the page shows, read too
    assert labels or query == "12345"
    assert len(queries.captured_queries) == statements, [captured["sql"] for captured in queries.captured_queries]


def test_a_match_reads_like_the_record_it_is(findable, staff):
    [match] = console_search(query="ch_7Qx81Lm20Zp", user=staff["ops"])
    charge = findable["charge"]
    assert match.object == charge
    assert match.label == str(charge)
    assert match.detail == f"{charge.get_method_display()}, {charge.get_status_display()}, {charge.card_account}"
    [customer] = console_search(query="cb-usr-000731", user=staff["ops"])
    assert customer.detail.endswith(f"on {findable['platform'].name}")


def test_the_search_page_stays_within_the_query_budget(findable, client_as):
    client = client_as("lead")
    client.get(search_url("12345"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(search_url(str(findable["batch"].pk))).status_code in (200, 302)
    transaction_control = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")
    assert len([q for q in queries.captured_queries if not q["sql"].startswith(transaction_control)]) <= 10


def test_card_last_four_reads_the_cards_index_then_their_charges(postgresql, findable, staff):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    [(sql, plan)] = plans_of_search("7319", staff["root"])
    assert "cardaccount_last_four_idx" in plan, plan
    # Newest first without walking every charge backwards along the primary key.
    assert "Index Scan Backward using payments_charge_pkey" not in plan, plan
