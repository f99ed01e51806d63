"""The console's one search box: any customer, item, charge, disbursement, batch, batch entry
or platform from one query.

The shape of the query decides which look-ups run, so that every one of them is served by an
index on a table of millions of rows — never a scan:

- digits only: the internal id of every kind (primary keys), and with exactly four digits the
  charges made with a card ending in them (`cardaccount_last_four_idx`, then the charge's
  `card_account` foreign-key index);
- an `@`: the customer's email, ignoring case (`UPPER(email) = UPPER(%s)`, served by the
  `customer_unique_email_per_platform` constraint's index);
- no spaces and no `@` (a reference of any shape — `B-1042`, `D-0000123`, `ch_…`, `bzr-usr-000123`,
  a trace number, a client id, an API request id): equality on every indexed identifier column,
  as typed and in upper and lower case, because each platform and each table has its own format;
- no `@` and not just digits (spaces allowed): a platform's name, ignoring case
  (`platform_name_upper_idx`).

Only when none of these finds anything, a query of three characters or more that is not just
digits is taken as part of an email: `UPPER(email) LIKE UPPER('%…%')`, which on PostgreSQL the
trigram index `customer_email_upper_trgm_idx` serves (accounts migration 0002). Three characters,
because a trigram index cannot narrow a shorter pattern down. Then too, any query is looked for
in platforms' names and client ids, by trigram indexes of the same kind (accounts migration 0005).

A person sees only the kinds they may view (`app.view_model`); the others are not even queried.
A person limited to some platforms finds only their platforms' objects: each look-up joins to the
platform its kind's admin declares (opsconsole/platform_access.py).
Part of an email is looked up only for people who may see contact details: for anyone else the
answers would spell an address out a character at a time. They see the email masked in the results
(accounts/masking.py), and can still find a customer by the whole address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import CharField, Q, Value
from django.db.models.functions import Upper
from django.db.models.lookups import Exact

from accounts.masking import VIEW_CUSTOMER_CONTACT, email_shown_to
from accounts.models import Customer, Platform
from apilog.models import ApiRequest
from batches.models import Batch, BatchEntry
from opsconsole.admin_urls import admin_change_url
from opsconsole.platform_access import restrict_to_user_platforms
from opsconsole.search_rows import RowLookup, find_rows
from payments.models import Charge, Disbursement, Item

DEFAULT_LIMIT = 50
# A shorter fragment gives a trigram index nothing to narrow down, and would match too much.
MIN_QUERY_LENGTH = 3
CARD_LAST_FOUR_LENGTH = 4
# The longest key there is: an email (RFC 5321, Django's EmailField).
MAX_QUERY_LENGTH = 254
# The largest primary key a bigint column holds: longer digit strings are no id.
MAX_ID = 2**63 - 1

EMPTY_QUERY = "Type an email, an id, a reference, a card's last four digits or a batch reference."
QUERY_TOO_SHORT = f"Type at least {MIN_QUERY_LENGTH} characters, or an id in digits."
QUERY_TOO_LONG = f"Type at most {MAX_QUERY_LENGTH} characters: no email, id or reference is longer."
# What the box finds, for the pages that say what can be searched.
SEARCHABLE_KEYS = (
    "a customer's email, whole or at least 3 characters of it, or their external id",
    "an item's external id",
    "a charge's gateway reference, or a card's last four digits for the charges made with it",
    "a disbursement's reference",
    "a batch's reference, or a batch entry's trace number",
    "a platform's client id or name",
    "an API request's request id",
    "the internal id of any of these",
)


@dataclass(frozen=True)
class SearchKind:
    """A kind of object the search box finds, in the order the results are shown."""

    key: str
    model: type[models.Model]
    title: str
    plural: str
    icon: str
    # The columns its line in the results reads (`_describe`), across a foreign key as
    # `relation__field` with the key itself named too.
    shown: tuple[str, ...] = ()

    @property
    def permission(self) -> str:
        return f"{self.model._meta.app_label}.view_{self.model._meta.model_name}"

    def change_url(self, pk) -> str | None:
        return admin_change_url(app_label=self.model._meta.app_label, model_name=self.model._meta.model_name, pk=pk)


CUSTOMER = SearchKind("customer", Customer, "Customer", "Customers", "person", shown=(
    "first_name", "last_name", "external_id", "email", "kind", "platform_id", "platform__name"))
ITEM = SearchKind("item", Item, "Item", "Items", "shopping_bag", shown=("external_id", "name", "state"))
CHARGE = SearchKind("charge", Charge, "Charge", "Charges", "credit_card", shown=(
    "gateway_reference", "method", "status", "card_account_id", "card_account__brand", "card_account__last_four",
    "card_account__expiry_month", "card_account__expiry_year"))
DISBURSEMENT = SearchKind("disbursement", Disbursement, "Disbursement", "Disbursements", "payments",
                          shown=("reference", "status"))
BATCH = SearchKind("batch", Batch, "Batch", "Batches", "account_balance", shown=(
    "reference", "network", "direction", "status", "processing_date"))
BATCH_ENTRY = SearchKind("batch_entry", BatchEntry, "Batch entry", "Batch entries", "receipt_long", shown=(
    "trace_number", "status", "batch_id", "batch__reference"))
PLATFORM = SearchKind("platform", Platform, "Platform", "Platforms", "hub", shown=("name", "environment", "client_id"))
API_REQUEST = SearchKind("api_request", ApiRequest, "API request", "API requests", "api", shown=(
    "request_id", "method", "path", "status_code", "client_name", "client_version", "occurred_at", "platform_id",
    "platform__name"))
KINDS = (CUSTOMER, ITEM, CHARGE, DISBURSEMENT, BATCH, BATCH_ENTRY, PLATFORM, API_REQUEST)


@dataclass(frozen=True)
class SearchMatch:
    """One object the query found: what it is, how it reads, why it matched, where it is."""

    kind: SearchKind
    object: models.Model
    label: str
    detail: str
    matched_by: str
    url: str


@dataclass(frozen=True)
class Lookup:
    """One indexed look-up: the objects of `kind` that meet `condition`.

    Only a card's last four asks the database for the `newest_first` (the few charges of the cards
    the `last_four` index finds, sorted). Every other look-up is sorted after fetching, so that its
    plan has no ORDER BY to tempt the planner into walking the primary key past every row: part of
    an email in particular must come from its trigram index, whose matches carry no order. All the
    look-ups of a search run as one query (opsconsole/search_rows.py); the related records a
    result line names are joined by their primary key.
    """

    kind: SearchKind
    matched_by: str
    condition: Q
    newest_first: bool = False
    # Needed on top of viewing the kind.
    permission: str = ""
    # The same test as `condition`, on an object found with its `shown` fields: tells which of a
    # kind's look-ups found it without repeating their conditions in SQL (opsconsole/search_rows.py).
    matches: Callable[[models.Model], bool] | None = None


def search_query_problem(query: str) -> str | None:
    """Why the query cannot be searched (empty, too short, too long), or None when it can."""
    query = query.strip()
    if not query:
        return EMPTY_QUERY
    if len(query) < MIN_QUERY_LENGTH and not (query.isascii() and query.isdigit()):
        return QUERY_TOO_SHORT
    if len(query) > MAX_QUERY_LENGTH:
        return QUERY_TOO_LONG
    return None


def search_lookups(query: str) -> tuple[list[Lookup], list[Lookup]]:
    """The exact look-ups the query's shape calls for, and the partial ones to run only when
    the exact ones find nothing (see the module's docstring)."""
    query = query.strip()
    # PostgreSQL refuses NUL in text; no key contains one.
    if search_query_problem(query) or "\x00" in query:
        return [], []
    exact: list[Lookup] = []
    is_number = query.isascii() and query.isdigit()
    has_space = any(character.isspace() for character in query)
    if is_number and int(query) <= MAX_ID:
        exact += [_equal(kind, "id", "pk", int(query)) for kind in KINDS]
    if is_number and len(query) == CARD_LAST_FOUR_LENGTH:
        exact.append(Lookup(CHARGE, "card last four", Q(card_account__last_four=query), newest_first=True))
    if "@" in query:
        exact.append(Lookup(CUSTOMER, "email", _same_ignoring_case("email", query)))
    elif not has_space:
        # Equality on a unique or indexed column, for each way the reference may be cased: as
        # typed, in capitals and in small letters, since each platform has its own way.
        spellings = sorted({query, query.upper(), query.lower()})
        exact += [
            _one_of(CUSTOMER, "external id", "external_id", spellings),
            _one_of(ITEM, "external id", "external_id", spellings),
            _one_of(CHARGE, "gateway reference", "gateway_reference", spellings),
            _one_of(DISBURSEMENT, "reference", "reference", spellings),
            _one_of(BATCH, "reference", "reference", spellings),
            _one_of(BATCH_ENTRY, "trace number", "trace_number", spellings),
            _one_of(PLATFORM, "client id", "client_id", spellings),
            _one_of(API_REQUEST, "request id", "request_id", spellings),
        ]
    if "@" not in query and not is_number:
        exact.append(Lookup(PLATFORM, "name", _same_ignoring_case("name", query)))
    partial: list[Lookup] = []
    if not is_number and not has_space:
        partial.append(Lookup(CUSTOMER, "part of email", Q(email__icontains=query),
                              permission=VIEW_CUSTOMER_CONTACT))
    # Any part of a platform's name or client id (trigram indexes, accounts migration 0005).
    partial += [Lookup(PLATFORM, "part of name", Q(name__icontains=query)),
                Lookup(PLATFORM, "part of client id", Q(client_id__icontains=query))]
    return exact, partial


def _equal(kind: SearchKind, matched_by: str, field: str, value) -> Lookup:
    """The objects of `kind` whose `field` (the key, or one of `kind.shown`) is `value`."""
    return Lookup(kind, matched_by, Q(**{field: value}), matches=lambda found: getattr(found, field) == value)


def _one_of(kind: SearchKind, matched_by: str, field: str, values: list[str]) -> Lookup:
    """The objects of `kind` whose `field` (one of `kind.shown`) is one of `values`."""
    return Lookup(kind, matched_by, Q(**{f"{field}__in": values}),
                  matches=lambda found: getattr(found, field) in values)


def _same_ignoring_case(column: str, query: str) -> Q:
    """`UPPER(column) = UPPER(query)`, which the column's `UPPER()` index serves, on every
    database: `iexact` spells it that way only on PostgreSQL."""
    return Q(Exact(Upper(column), Upper(Value(query, output_field=CharField()))))


def console_search(*, query: str, user, limit: int = DEFAULT_LIMIT) -> list[SearchMatch]:
    """Everything `query` finds that `user` may view, at most `limit` objects, grouped by kind
    in the order of `KINDS` and newest first within a kind; an object found by two look-ups
    appears once. Partial email matches only when nothing matched exactly. Empty for a query
    `search_query_problem` refuses."""
    exact, partial = search_lookups(query)
    visible = {kind.key for kind in KINDS if user.has_perm(kind.permission)}

    def allowed(lookups: list[Lookup]) -> list[Lookup]:
        return [lookup for lookup in lookups
                if lookup.kind.key in visible and (not lookup.permission or user.has_perm(lookup.permission))]

    matches = _run(allowed(exact), limit=limit, user=user)
    if not matches:
        matches = _run(allowed(partial), limit=limit, user=user)
    order = {kind.key: position for position, kind in enumerate(KINDS)}
    matches.sort(key=lambda match: (order[match.kind.key], -match.object.pk))
    return matches[:limit]


def _run(lookups: list[Lookup], *, limit: int, user) -> list[SearchMatch]:
    kinds = {kind.key: kind for kind in KINDS}
    rows = find_rows(
        [RowLookup(lookup.kind.key, lookup.kind.model, lookup.condition, lookup.kind.shown, lookup.newest_first,
                   lookup.matches) for lookup in lookups],
        scope=lambda model: restrict_to_user_platforms(model.objects.all(), user),
        limit=limit,
    )
    found: dict[tuple[str, object], SearchMatch] = {}
    for row in rows:
        kind = kinds[row.kind]
        found.setdefault((kind.key, row.object.pk), _match(kind, row.object, lookups[row.lookup].matched_by, user))
    return list(found.values())


def _match(kind: SearchKind, row, matched_by: str, user) -> SearchMatch:
    label, detail = _describe(kind, row, user)
    return SearchMatch(kind=kind, object=row, label=label, detail=detail, matched_by=matched_by,
                       url=kind.change_url(row.pk))


def _describe(kind: SearchKind, row, user) -> tuple[str, str]:
    """How a match reads in a list: its name, and what tells it apart from its neighbours."""
    if kind is CUSTOMER:
        return str(row), f"{email_shown_to(user, row.email)}, {row.get_kind_display().lower()} on {row.platform.name}"
    if kind is ITEM:
        return str(row), f"{row.name}, {row.get_state_display()}"
    if kind is CHARGE:
        card = f", {row.card_account}" if row.card_account else ""
        return str(row), f"{row.get_method_display()}, {row.get_status_display()}{card}"
    if kind is DISBURSEMENT:
        return str(row), row.get_status_display()
    if kind is BATCH:
        return f"Batch {row.reference}", (
            f"{row.get_network_display()} {row.get_direction_display().lower()}, "
            f"{row.get_status_display()}, processing {row.processing_date:%d %b %Y}"
        )
    if kind is BATCH_ENTRY:
        return f"Batch entry {row.trace_number}", f"In batch {row.batch.reference}, {row.get_status_display()}"
    if kind is API_REQUEST:
        return f"API request {row.request_id}", (
            f"{row.endpoint} → {row.status_code} from {row.client} on {row.platform.name}, "
            f"{row.occurred_at:%d %b %Y %H:%M}"
        )
    return str(row), f"Client ID {row.client_id}"
