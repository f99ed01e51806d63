"""The search box's look-ups run as one query: a UNION ALL of one indexed SELECT per look-up.

An id typed into the search box is looked up in eight tables, and a reference in eight more
columns: one query each would be sixteen queries and sixteen round trips for one search. Here the
look-ups of one table are one part of a UNION ALL (their conditions ORed, which PostgreSQL serves
by combining the indexes), and each part returns, besides the row's key and which look-up found
it, only the columns the result list shows (`shown`, across foreign keys where the list names a
related record). Those come back as text, the one type every part can share, and are turned back
into model instances with only those fields loaded (as `QuerySet.only()` would), so the objects
read like any other; a field not loaded is fetched if asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connections, models
from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import Cast

KIND_COLUMN, LOOKUP_COLUMN, KEY_COLUMN = "search_kind", "search_lookup", "search_key"


@dataclass(frozen=True)
class RowLookup:
    """One part of the UNION: the rows of `model` that meet `condition`, at most `limit`."""

    kind: str
    model: type[models.Model]
    condition: Q
    shown: tuple[str, ...]
    newest_first: bool = False


@dataclass(frozen=True)
class FoundRow:
    kind: str
    lookup: int  # the position of the look-up that found it
    object: models.Model


def _column(position: int) -> str:
    return f"search_shown_{position}"


def _as_text(path: str):
    return Cast(F(path), output_field=TextField())


def _parts(lookups: Sequence[RowLookup]) -> list[list[int]]:
    """The look-ups (by position) each part of the UNION runs: those of one kind together, as
    one condition on the table (its indexes combined by a BitmapOr), except a look-up that sorts,
    which keeps its own part for its ORDER BY."""
    parts: dict[object, list[int]] = {}
    for position, lookup in enumerate(lookups):
        parts.setdefault(position if lookup.newest_first else lookup.kind, []).append(position)
    return list(parts.values())


def _which_lookup(lookups: Sequence[RowLookup], positions: list[int]):
    """The position of the first of `positions` whose condition the row meets."""
    if len(positions) == 1:
        return Value(positions[0])
    return Case(*(When(lookups[position].condition, then=Value(position)) for position in positions),
                default=Value(positions[0]))


def find_rows(lookups: Sequence[RowLookup], *, scope: Callable[[type[models.Model]], models.QuerySet],
              limit: int) -> list[FoundRow]:
    """The rows each look-up finds, in the look-ups' order, at most `limit` per look-up; one
    query.

    `scope(model)` is the queryset a look-up on `model` starts from, already narrowed to what the
    person may see."""
    if not lookups:
        return []
    union = _union(lookups, [scope(lookup.model) for lookup in lookups], limit)
    database = union.db

    def in_order(row):
        position, key = row[1], row[2]
        return position, -key if lookups[position].newest_first else 0

    found, counts = [], {}
    for kind, position, key, *shown in sorted(union, key=in_order):
        if counts.get(position, 0) >= limit:
            continue
        counts[position] = counts.get(position, 0) + 1
        lookup = lookups[position]
        found.append(FoundRow(kind, position, _instance(lookup.model, key, lookup.shown, shown, database)))
    return found


def _union(lookups: Sequence[RowLookup], querysets: Sequence[models.QuerySet], limit: int) -> models.QuerySet:
    """The UNION ALL of one SELECT per part (`_parts`), each returning the row's kind, the look-up
    that found it, its key and the `shown` columns as text; at most `limit` rows per look-up."""
    width = max(len(lookup.shown) for lookup in lookups)
    database = querysets[0].db
    limited_in_sql = connections[database].features.supports_slicing_ordering_in_compound
    parts = []
    for positions in _parts(lookups):
        lookup, queryset = lookups[positions[0]], querysets[positions[0]]
        columns = {
            KIND_COLUMN: Value(lookup.kind, output_field=TextField()),
            LOOKUP_COLUMN: _which_lookup(lookups, positions),
            KEY_COLUMN: F("pk"),
            **{_column(index): _as_text(path) for index, path in enumerate(lookup.shown)},
            **{_column(index): Value(None, output_field=TextField()) for index in range(len(lookup.shown), width)},
        }
        condition = Q()
        for position in positions:
            condition |= lookups[position].condition
        part = queryset.filter(condition).annotate(**columns).values_list(*columns)
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
    for path, text in zip(shown, values):
        name, _, related_name = path.partition("__")
        if related_name:
            field = model._meta.get_field(name).related_model._meta.get_field(related_name)
            related.setdefault(name, {})[field.attname] = None if text is None else field.to_python(text)
        else:
            field = model._meta.get_field(name)
            own[field.attname] = None if text is None else field.to_python(text)
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
