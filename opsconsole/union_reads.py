"""Several querysets' rows read in one statement: a plain `.union()` of them.

A detail page reads a record's related records from several tables: a customer's holds,
accounts, items and payouts; an item's state changes, charges, payouts, ledger lines and
callbacks. Each is a short indexed read, but also a round trip and a statement of its own, and a
page has a budget of ten. `read_in_one_union` sends them as one UNION ALL built with the ORM's
public means: each queryset, with its own filters, order and slice, is one part, which selects
one expression (`RowAsJson`): its place in the union, its table's row in JSON (`ROW_TO_JSON`),
and the row of each record its `related` foreign keys lead to, each found by its key. The rows
are turned back into model instances with `Model.from_db`, each value converted as its field
reads it.

A part selects one expression whose SQL depends only on the models, rather than an expression per
column: building the statement, anew for every page, then costs little more than each queryset's
own filters.

PostgreSQL keeps each part's order through a UNION ALL, and only PostgreSQL takes an ORDER BY
and a LIMIT in each part; on other databases each queryset is read on its own. The answer is the
same either way.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from django.db import NotSupportedError, connections
from django.db.models import ForeignKey, Func, Model, QuerySet, TextField

# Column types whose JSON value `Field.to_python` turns back into what the database driver gives.
JSON_FAITHFUL_TYPES = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "BooleanField",
    "CharField", "TextField", "EmailField", "URLField", "SlugField", "GenericIPAddressField", "ForeignKey",
    "OneToOneField", "DateTimeField", "DateField", "TimeField", "UUIDField", "JSONField",
}
# Of those, the types whose JSON value is already what the driver gives: numbers, booleans,
# strings, and a JSON column's own value. Their values need no conversion.
JSON_NATIVE_TYPES = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "BooleanField",
    "CharField", "TextField", "EmailField", "URLField", "SlugField", "GenericIPAddressField", "JSONField",
}


@dataclass(frozen=True)
class Rows:
    """The rows `queryset` reads (filtered, ordered, sliced as it says), each with the records its
    `related` foreign keys lead to, loaded as `select_related(*related)` loads them
    (`"batch"`, `"item__platform"`)."""

    queryset: QuerySet
    related: tuple[str, ...] = ()

    def read_alone(self) -> list[Model]:
        return list(self.queryset.select_related(*self.related) if self.related else self.queryset)


def read_in_one_union(reads: Mapping[str, Rows]) -> dict[str, list[Model]]:
    """Each read's model instances, by the same key, in one statement on PostgreSQL."""
    together = {name: rows for name, rows in reads.items() if _fits_a_union(rows)}
    if len(together) < 2:
        together = {}
    read = {name: rows.read_alone() for name, rows in reads.items() if name not in together}
    if together:
        read.update(_read_as_union(together))
    return {name: read[name] for name in reads}


class RowAsJson(Func):
    """A read's row as JSON text, on PostgreSQL: `[place, row, related row, ...]`, each row the
    whole row of its table keyed by column name (`ROW_TO_JSON`), or null where a foreign key
    leads nowhere.

    The row is the queryset's base table's, which Django's SQL names by its `db_table` (the tables
    a queryset joins are named otherwise). Each related row is a scalar subquery on its table's
    key, given by the row that holds the foreign key; the subqueries' own aliases keep a table
    that refers to itself (a retry's original payout) apart from the row it is read for. Its SQL
    depends on the models alone, and building it resolves no column of the queryset."""

    output_field = TextField()

    def __init__(self, place: int, model: type[Model], relations: tuple["_Relation", ...]):
        super().__init__()
        self.place, self.model, self.relations = place, model, relations

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("A row as JSON is read on PostgreSQL only.")

    def as_postgresql(self, compiler, connection, **extra_context):
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        aliases = {relation.path: number for number, relation in enumerate(self.relations)}
        holders = {relation.path: relation for relation in self.relations}

        def key(relation: "_Relation") -> str:
            """The key of the record `relation` leads to: a column of the row that holds it."""
            if not relation.parent:
                return f"{table}.{quote(relation.field.column)}"
            holder = holders[relation.parent]
            alias = quote(f"holder_{aliases[holder.path]}")
            return (f"(SELECT {alias}.{quote(relation.field.column)} FROM {quote(holder.model._meta.db_table)} "
                    f"AS {alias} WHERE {alias}.{quote(holder.field.target_field.column)} = {key(holder)})")

        rows = [f"ROW_TO_JSON({table})"]
        for relation in self.relations:
            alias = quote(f"related_{aliases[relation.path]}")
            rows.append(f"(SELECT ROW_TO_JSON({alias}) FROM {quote(relation.model._meta.db_table)} AS {alias} "
                        f"WHERE {alias}.{quote(relation.field.target_field.column)} = {key(relation)})")
        return f"JSON_BUILD_ARRAY({int(self.place)}, {', '.join(rows)})::text", []


Converter = Callable[[object], object] | None


@dataclass(frozen=True)
class _ModelColumns:
    """How a model's row in JSON becomes an instance: each field's attname, column, and the
    conversion its JSON value needs (None when the value is already what the driver gives); and
    whether its row carries every field faithfully."""

    model: type[Model]
    attnames: tuple[str, ...]
    columns: tuple[tuple[str, Converter], ...]
    fits: bool

    def instance(self, row: dict, database: str) -> Model:
        """The instance of the row `ROW_TO_JSON` gives."""
        return self.model.from_db(database, self.attnames, [
            row[column] if convert is None or row[column] is None else convert(row[column])
            for column, convert in self.columns])


def _value_type(field) -> str:
    """The internal type of the value a field holds: a foreign key holds its target's."""
    while isinstance(field, ForeignKey):
        field = field.target_field
    return field.get_internal_type()


@cache  # A model's fields do not change while the process runs.
def _columns_of(model: type[Model]) -> _ModelColumns:
    fields = model._meta.concrete_fields
    return _ModelColumns(
        model=model,
        attnames=tuple(field.attname for field in fields),
        columns=tuple((field.column, None if _value_type(field) in JSON_NATIVE_TYPES else field.to_python)
                      for field in fields),
        # A model with parents keeps some columns in their tables, out of its own row.
        fits=all(field.model._meta.db_table == model._meta.db_table
                 and field.get_internal_type() in JSON_FAITHFUL_TYPES for field in fields),
    )


@dataclass(frozen=True)
class _Relation:
    """A foreign key a read's `related` walks, at `path`: its records come with each row."""

    path: str
    parent: str  # the path of the record that holds the key ("" for the read's own rows)
    field: ForeignKey

    @property
    def model(self) -> type[Model]:
        return self.field.related_model


@cache
def _relations(model: type[Model], related: tuple[str, ...]) -> tuple[_Relation, ...]:
    """Each foreign key on the way to each of `related`, once, a parent before what it leads to."""
    relations: dict[str, _Relation] = {}
    for path in related:
        walked: list[str] = []
        holder = model
        for name in path.split("__"):
            field = holder._meta.get_field(name)
            parent = "__".join(walked)
            walked.append(name)
            relations.setdefault("__".join(walked), _Relation("__".join(walked), parent, field))
            holder = field.related_model
    return tuple(relations.values())


def _fits_a_union(rows: Rows) -> bool:
    model = rows.queryset.model
    return (connections[rows.queryset.db].vendor == "postgresql" and _columns_of(model).fits
            and all(_columns_of(relation.model).fits for relation in _relations(model, rows.related)))


def _read_as_union(reads: Mapping[str, Rows]) -> dict[str, list[Model]]:
    """One part per read, each row tagged with its read's place; the related records are attached
    to their rows as `select_related` attaches them."""
    names = list(reads)
    relations = {name: _relations(reads[name].queryset.model, reads[name].related) for name in names}
    parts = [reads[name].queryset.values_list(
        RowAsJson(place, reads[name].queryset.model, relations[name]), flat=True) for place, name in enumerate(names)]
    database = parts[0].db
    read = {name: [] for name in names}
    for text in parts[0].union(*parts[1:], all=True):
        place, row, *related_rows = json.loads(text)
        name = names[place]
        instance = _columns_of(reads[name].queryset.model).instance(row, database)
        if related_rows:
            _attach(instance, relations[name], related_rows, database)
        read[name].append(instance)
    return read


def _attach(instance: Model, relations: tuple[_Relation, ...], related_rows: list[dict | None], database: str):
    """Give `instance` its related records, as `select_related` does: `related_rows` has one row
    (or None) for each of `relations`, a parent before the records it leads to."""
    holders: dict[str, Model | None] = {"": instance}
    for relation, row in zip(relations, related_rows, strict=True):
        holder = holders[relation.parent]
        if holder is None:  # a nullable foreign key on the way leads nowhere
            holders[relation.path] = None
            continue
        record = None if row is None else _columns_of(relation.model).instance(row, database)
        setattr(holder, relation.field.name, record)
        holders[relation.path] = record
