"""Several querysets' rows read in one statement: a plain `.union()` of them.

A detail page reads a record's related records from several tables: a customer's holds,
accounts, items and payouts; an item's state changes, charges, payouts, ledger lines and
callbacks. Each is a short indexed read, but also a round trip and a statement of its own, and a
page has a budget of ten. `read_in_one_union` sends them as one UNION ALL built with the ORM's
public means: each queryset, with its own filters, order and slice, gives its rows as one
`JSONObject` of the model's columns (and of the records its `related` foreign keys lead to, joined
as `select_related` joins them), tagged with its place; the rows are turned back into model
instances with `Model.from_db`, each value as the field reads it (`Field.to_python`).

PostgreSQL keeps each part's order through a UNION ALL, and only PostgreSQL takes an ORDER BY
and a LIMIT in each part; on other databases each queryset is read on its own. The answer is the
same either way.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connections
from django.db.models import F, IntegerField, Model, QuerySet, Value
from django.db.models.functions import JSONObject

# Column types whose JSON value `Field.to_python` turns back into what the database driver gives.
JSON_FAITHFUL_TYPES = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "BooleanField",
    "CharField", "TextField", "EmailField", "URLField", "SlugField", "GenericIPAddressField", "ForeignKey",
    "OneToOneField", "DateTimeField", "DateField", "TimeField", "UUIDField", "JSONField",
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


# PostgreSQL's JSONB_BUILD_OBJECT takes at most 100 arguments: 50 columns, a key and a value each.
MAX_COLUMNS_PER_OBJECT = 50


@dataclass(frozen=True)
class _Columns:
    """The models a read loads for each row: its own (path "") and each related path's."""

    models: dict[str, type[Model]]

    @classmethod
    def of(cls, rows: Rows) -> "_Columns":
        models = {"": rows.queryset.model}
        for path in rows.related:
            model, walked = rows.queryset.model, []
            for name in path.split("__"):
                model = model._meta.get_field(name).related_model
                walked.append(name)
                models["__".join(walked)] = model
        return cls(models)

    def fit(self) -> bool:
        return all(len(model._meta.concrete_fields) <= MAX_COLUMNS_PER_OBJECT
                   and all(field.get_internal_type() in JSON_FAITHFUL_TYPES for field in model._meta.concrete_fields)
                   for model in self.models.values())

    def row(self) -> JSONObject:
        """The row as one JSON object: an object of columns per model, under its path."""
        return JSONObject(**{
            f"model{number}": JSONObject(**{field.attname: F(f"{path}__{field.attname}" if path else field.attname)
                                            for field in model._meta.concrete_fields})
            for number, (path, model) in enumerate(self.models.items())})

    def instance(self, row: dict, database: str) -> Model:
        """The row's instance, with the related instances its read asked for."""
        instances: dict[str, Model | None] = {}
        for number, (path, model) in enumerate(self.models.items()):
            columns = row[f"model{number}"]
            if path and columns[model._meta.pk.attname] is None:
                instances[path] = None  # a nullable foreign key that leads nowhere
                continue
            fields = model._meta.concrete_fields
            instances[path] = model.from_db(database, [field.attname for field in fields], [
                None if columns[field.attname] is None else field.to_python(columns[field.attname]) for field in fields])
        for path in self.models:  # each parent comes before the records it leads to
            parent, _, name = path.rpartition("__")
            if path and instances[parent] is not None:
                setattr(instances[parent], name, instances[path])
        return instances[""]


def _fits_a_union(rows: Rows) -> bool:
    return connections[rows.queryset.db].vendor == "postgresql" and _Columns.of(rows).fit()


def _read_as_union(reads: Mapping[str, Rows]) -> dict[str, list[Model]]:
    names = list(reads)
    columns = {name: _Columns.of(reads[name]) for name in names}
    parts = [reads[name].queryset.values_list(Value(place, output_field=IntegerField()), columns[name].row())
             for place, name in enumerate(names)]
    read = {name: [] for name in names}
    database = parts[0].db
    for place, row in parts[0].union(*parts[1:], all=True):
        read[names[place]].append(columns[names[place]].instance(row, database))
    return read
