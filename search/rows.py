"""The search box's look-ups run as one query: a UNION ALL of one indexed SELECT per look-up.

An id typed into the search box is looked up in eight tables, and a reference in eight more
columns: one query each would be sixteen queries and sixteen round trips for one search. Here the
look-ups of one table are one part of a UNION ALL (their conditions ORed, which PostgreSQL serves
by combining the indexes), and each part returns one column: a JSON array (`FoundColumns`) of
which look-up found the row, the row's key and only the columns the result list shows (`shown`,
across foreign keys where the list names a related record). One JSON array in text is a type
every part can share whatever its columns, and it keeps each part a single expression, cheap to
build: the statement is built anew for every search, with the query's values in it. Which of a
part's look-ups found a row is told in Python where the look-ups can test their own conditions on
the row (`RowLookup.matches`), and otherwise by a CASE in the part. The rows are turned back into
model instances with only those fields loaded (as `QuerySet.only()` would), so the objects read
like any other; a field not loaded is fetched if asked for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connections, models
from django.db.models import Case, Func, IntegerField, Q, TextField, Value, When

# The type of the look-up's position in each row; one field serves every search.
POSITION_FIELD = IntegerField()


@dataclass(frozen=True)
class RowLookup:
    """One part of the UNION: the rows of `model` that meet `condition`, at most `limit`."""

    kind: str
    model: type[models.Model]
    condition: Q
    shown: tuple[str, ...]
    newest_first: bool = False
    # Whether an object its part found meets `condition`, told from the object's `shown` fields.
    # When every look-up of a part but the last has one, the part's SQL need not say which of its
    # look-ups found each row (a CASE repeating their conditions, the costliest part to build).
    matches: Callable[[models.Model], bool] | None = None


@dataclass(frozen=True)
class FoundRow:
    kind: str
    lookup: int  # the position of the look-up that found it
    object: models.Model


class FoundColumns(Func):
    """Some values of a row (expressions, or field paths as `F()` takes them) as one JSON array in
    text: numbers, booleans and strings as JSON has them, dates and times as ISO 8601 strings,
    NULL as null."""

    template = "JSON_BUILD_ARRAY(%(expressions)s)::text"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="JSON_ARRAY(%(expressions)s)", **extra_context)


def _parts(lookups: Sequence[RowLookup]) -> list[list[int]]:
    """The look-ups (by position) each part of the UNION runs: those of one kind together, as
    one condition on the table (its indexes combined by a BitmapOr), except a look-up that sorts,
    which keeps its own part for its ORDER BY."""
    parts: dict[object, list[int]] = {}
    for position, lookup in enumerate(lookups):
        parts.setdefault(position if lookup.newest_first else lookup.kind, []).append(position)
    return list(parts.values())


def _told_in_python(lookups: Sequence[RowLookup], positions: list[int]) -> bool:
    """Whether `RowLookup.matches` tells which of a part's look-ups found a row: the first that
    matches, or else the last (the row met one of their conditions)."""
    return all(lookups[position].matches for position in positions[:-1])


def _which_lookup(lookups: Sequence[RowLookup], positions: list[int]):
    """The position of the first of `positions` whose condition the row meets; the first of
    them when Python tells it (`_told_in_python`)."""
    if len(positions) == 1 or _told_in_python(lookups, positions):
        return Value(positions[0], output_field=POSITION_FIELD)
    return Case(*(When(lookups[position].condition, then=Value(position, output_field=POSITION_FIELD))
                  for position in positions), default=Value(positions[0], output_field=POSITION_FIELD))


def find_rows(lookups: Sequence[RowLookup], *, scope: Callable[[type[models.Model]], models.QuerySet],
              limit: int) -> list[FoundRow]:
    """The rows each look-up finds, in the look-ups' order, at most `limit` per look-up; one
    query.

    `scope(model)` is the queryset a look-up on `model` starts from, already narrowed to what the
    person may see."""
    if not lookups:
        return []
    parts = _parts(lookups)
    union = _union(lookups, parts, [scope(lookups[positions[0]].model) for positions in parts], limit)
    database = union.db
    told_in_python = {positions[0]: positions for positions in parts
                      if len(positions) > 1 and _told_in_python(lookups, positions)}
    rows = []
    for text in union:
        position, key, *shown = json.loads(text)
        lookup = lookups[position]
        instance = _instance(lookup.model, key, lookup.shown, shown, database)
        if positions := told_in_python.get(position):
            position = next((found_by for found_by in positions[:-1] if lookups[found_by].matches(instance)),
                            positions[-1])
        rows.append((position, instance))

    def in_order(row):
        position, instance = row
        return position, -instance.pk if lookups[position].newest_first else 0

    found, counts = [], {}
    for position, instance in sorted(rows, key=in_order):
        if counts.get(position, 0) >= limit:
            continue
        counts[position] = counts.get(position, 0) + 1
        found.append(FoundRow(lookups[position].kind, position, instance))
    return found


def _union(lookups: Sequence[RowLookup], positions_of_parts: list[list[int]], querysets: Sequence[models.QuerySet],
           limit: int) -> models.QuerySet:
    """The UNION ALL of one SELECT per part (`_parts`), each from its queryset and returning one
    `FoundColumns` array: the look-up that found the row (`_which_lookup`), its key and its `shown`
    columns; at most `limit` rows per look-up."""
    database = querysets[0].db
    limited_in_sql = connections[database].features.supports_slicing_ordering_in_compound
    parts = []
    for positions, queryset in zip(positions_of_parts, querysets, strict=True):
        lookup = lookups[positions[0]]
        condition = Q()
        for position in positions:
            condition |= lookups[position].condition
        part = queryset.filter(condition).values_list(
            FoundColumns(_which_lookup(lookups, positions), "pk", *lookup.shown), flat=True)
        part = part.order_by("-pk") if lookup.newest_first else part.order_by()
        if limited_in_sql:
            part = part[:limit * len(positions)]
        else:
            part = part.order_by()  # SQLite takes neither in a compound statement: sorted and cut in find_rows
        parts.append(part)
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def _instance(model, key, shown: tuple[str, ...], values: list, db: str) -> models.Model:
    """A `model` instance with its key and the `shown` fields loaded, and a related instance
    for each `relation__field` shown."""
    own = {model._meta.pk.attname: key}
    related: dict[str, dict] = {}
    for path, value in zip(shown, values):
        name, _, related_name = path.partition("__")
        if related_name:
            field = model._meta.get_field(name).related_model._meta.get_field(related_name)
            related.setdefault(name, {})[field.attname] = None if value is None else field.to_python(value)
        else:
            field = model._meta.get_field(name)
            own[field.attname] = None if value is None else field.to_python(value)
    instance = _loaded(model, own, db)
    for name, loaded in related.items():
        relation = model._meta.get_field(name)
        related_key = getattr(instance, relation.attname)
        related_model = relation.related_model
        relation.set_cached_value(instance, None if related_key is None else _loaded(
            related_model, {related_model._meta.pk.attname: related_key, **loaded}, db))
    return instance


def _loaded(model, values: dict, db: str) -> models.Model:
    """`Model.from_db` with some fields: it takes them in the model's own field order."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(db, names, [values[name] for name in names])
