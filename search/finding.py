"""The console's one search box: any customer, item, charge, disbursement, batch, batch entry,
platform or API request from one query. Each kind is registered by its own app (`<app>/search.py`,
search/registry.py), with the columns it is looked up by and the shape of query each answers.

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
platform its kind's model declares (`platform_scope`, opsconsole/platform_access.py).
Part of an email is looked up only for people who may see contact details: for anyone else the
answers would spell an address out a character at a time. They see the email masked in the results
(accounts/masking.py), and can still find a customer by the whole address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from django.db import models
from django.db.models import CharField, Q, Value
from django.db.models.functions import Upper
from django.db.models.lookups import Exact

from opsconsole.list_search import MIN_QUERY_LENGTH
from opsconsole.platform_access import restrict_to_user_platforms
from search.registry import QueryShape, SearchField, SearchKind, registry
from search.rows import RowLookup, find_rows

DEFAULT_LIMIT = 50
# The longest key there is: an email (RFC 5321, Django's EmailField).
MAX_QUERY_LENGTH = 254
# The largest primary key a bigint column holds: longer digit strings are no id.
MAX_ID = 2**63 - 1
CARD_LAST_FOUR_LENGTH = 4

EMPTY_QUERY = "Type an email, an id, a reference, a card's last four digits or a batch reference."
QUERY_TOO_SHORT = f"Type at least {MIN_QUERY_LENGTH} characters, or an id in digits."
QUERY_TOO_LONG = f"Type at most {MAX_QUERY_LENGTH} characters: no email, id or reference is longer."
ANY_INTERNAL_ID = "the internal id of any of these"


def searchable_keys() -> list[str]:
    """What the box finds, for the pages that say what can be searched: each kind's sentence, in
    the order of the results, then the internal id."""
    return [kind.found_by for kind in registry.all() if kind.found_by] + [ANY_INTERNAL_ID]


@dataclass(frozen=True)
class SearchMatch:
    """One object the query found: what it is, how it reads, why it matched, where it is, and
    whether the kind's list searched for the query lists it (`SearchField.listed`)."""

    kind: SearchKind
    object: models.Model
    label: str
    detail: str
    matched_by: str
    url: str
    listed: bool = False


@dataclass(frozen=True)
class Lookup:
    """One indexed look-up: the objects of `kind` that meet `condition`.

    Only a card's last four asks the database for the `newest_first` (the few charges of the cards
    the `last_four` index finds, sorted). Every other look-up is sorted after fetching, so that its
    plan has no ORDER BY to tempt the planner into walking the primary key past every row: part of
    an email in particular must come from its trigram index, whose matches carry no order. All the
    look-ups of a search run as one query (search/rows.py); the related records a
    result line names are joined by their primary key.
    """

    kind: SearchKind
    matched_by: str
    condition: Q
    newest_first: bool = False
    # Needed on top of viewing the kind.
    permission: str = ""
    listed: bool = False
    # The same test as `condition`, on an object found with its `shown` fields: tells which of a
    # kind's look-ups found it without repeating their conditions in SQL (search/rows.py).
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


def query_shapes(query: str) -> list[QueryShape]:
    """The shapes a stripped, searchable query has, in the order of `QueryShape`."""
    is_number = query.isascii() and query.isdigit()
    has_space = any(character.isspace() for character in query)
    has_at = "@" in query
    shapes = {
        QueryShape.NUMBER: is_number and int(query) <= MAX_ID,
        QueryShape.FOUR_DIGITS: is_number and len(query) == CARD_LAST_FOUR_LENGTH,
        QueryShape.EMAIL: has_at,
        QueryShape.REFERENCE: not has_at and not has_space,
        QueryShape.NAME: not has_at and not is_number,
        QueryShape.PART_OF_WORD: not is_number and not has_space,
        QueryShape.PART: True,
    }
    return [shape for shape, fits in shapes.items() if fits]


def search_lookups(query: str) -> tuple[list[Lookup], list[Lookup]]:
    """The exact look-ups the query's shape calls for, and the partial ones to run only when
    the exact ones find nothing (see the module's docstring): for each shape in order, each
    kind's fields of that shape, kinds in the order of the results."""
    query = query.strip()
    # PostgreSQL refuses NUL in text; no key contains one.
    if search_query_problem(query) or "\x00" in query:
        return [], []
    exact: list[Lookup] = []
    partial: list[Lookup] = []
    for shape in query_shapes(query):
        found_by = _condition_maker(shape, query)
        (partial if shape.partial else exact).extend(found_by(kind, field) for kind, field in registry.fields_of(shape))
    return exact, partial


def _condition_maker(shape: QueryShape, query: str) -> Callable[[SearchKind, SearchField], Lookup]:
    """How a field of `shape` is compared with the query (see `QueryShape`)."""
    if shape is QueryShape.NUMBER:
        return lambda kind, field: _equal(kind, field, int(query))
    if shape is QueryShape.REFERENCE:
        # Equality on a unique or indexed column, for each way the reference may be cased: as
        # typed, in capitals and in small letters, since each platform has its own way.
        spellings = sorted({query, query.upper(), query.lower()})
        return lambda kind, field: _one_of(kind, field, spellings)
    if shape in (QueryShape.EMAIL, QueryShape.NAME):
        return lambda kind, field: _lookup(kind, field, _same_ignoring_case(field.field, query))
    if shape.partial:
        return lambda kind, field: _lookup(kind, field, Q(**{f"{field.field}__icontains": query}))
    return lambda kind, field: _lookup(kind, field, Q(**{field.field: query}))


def _lookup(kind: SearchKind, field: SearchField, condition: Q, matches=None) -> Lookup:
    return Lookup(kind, field.matched_by, condition, newest_first=field.newest_first, permission=field.permission,
                  matches=matches, listed=field.listed)


def _equal(kind: SearchKind, field: SearchField, value) -> Lookup:
    """The objects of `kind` whose `field` (the key, or one of `kind.shown`) is `value`."""
    name = field.field
    return _lookup(kind, field, Q(**{name: value}), matches=lambda found: getattr(found, name) == value)


def _one_of(kind: SearchKind, field: SearchField, values: list[str]) -> Lookup:
    """The objects of `kind` whose `field` (one of `kind.shown`) is one of `values`."""
    name = field.field
    return _lookup(kind, field, Q(**{f"{name}__in": values}), matches=lambda found: getattr(found, name) in values)


def _same_ignoring_case(column: str, query: str) -> Q:
    """`UPPER(column) = UPPER(query)`, which the column's `UPPER()` index serves, on every
    database: `iexact` spells it that way only on PostgreSQL."""
    return Q(Exact(Upper(column), Upper(Value(query, output_field=CharField()))))


def console_search(*, query: str, user, limit: int | None = DEFAULT_LIMIT,
                   per_kind: int | None = None) -> list[SearchMatch]:
    """Everything `query` finds that `user` may view, at most `limit` objects (None: no limit) and
    at most `per_kind` of each kind, grouped by kind in the order of the registered kinds and
    newest first within a kind; an object found by two look-ups appears once. Partial email
    matches only when nothing matched exactly. Empty for a query `search_query_problem` refuses."""
    if limit is None and per_kind is None:
        raise ValueError("console_search needs a limit, per kind or in all")
    exact, partial = search_lookups(query)
    kinds = registry.all()
    visible = {kind.key for kind in kinds if user.has_perm(kind.permission)}

    def allowed(lookups: list[Lookup]) -> list[Lookup]:
        return [lookup for lookup in lookups
                if lookup.kind.key in visible and (not lookup.permission or user.has_perm(lookup.permission))]

    # Each look-up need find no more than the most that is kept of one kind.
    lookup_limit = min(number for number in (limit, per_kind) if number is not None)
    matches = _run(allowed(exact), limit=lookup_limit, user=user)
    if not matches:
        matches = _run(allowed(partial), limit=lookup_limit, user=user)
    order = {kind.key: position for position, kind in enumerate(kinds)}
    matches.sort(key=lambda match: (order[match.kind.key], -match.object.pk))
    if per_kind is not None:
        matches = [match for _, of_kind in groupby(matches, key=lambda match: match.kind.key)
                   for match in list(of_kind)[:per_kind]]
    return matches[:limit]


def _run(lookups: list[Lookup], *, limit: int, user) -> list[SearchMatch]:
    kinds = {kind.key: kind for kind in registry.all()}
    rows = find_rows(
        [RowLookup(lookup.kind.key, lookup.kind.model, lookup.condition, lookup.kind.shown, lookup.newest_first,
                   lookup.matches) for lookup in lookups],
        scope=lambda model: restrict_to_user_platforms(model.objects.all(), user),
        limit=limit,
    )
    found: dict[tuple[str, object], SearchMatch] = {}
    for row in rows:
        kind = kinds[row.kind]
        found.setdefault((kind.key, row.object.pk), _match(kind, row.object, lookups[row.lookup], user))
    return list(found.values())


def _match(kind: SearchKind, row, lookup: Lookup, user) -> SearchMatch:
    label, detail = kind.describe(row, user)
    return SearchMatch(kind=kind, object=row, label=label, detail=detail, matched_by=lookup.matched_by,
                       url=kind.change_url(row.pk), listed=lookup.listed)
