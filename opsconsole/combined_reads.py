"""Several querysets read in one SQL statement.

A detail page shows a record with its related records: a customer's holds, accounts, items and
payouts; an item's state changes, charges, payouts, ledger lines and callbacks. Each is a short
indexed read, but each is also a round trip to the database, and on a page with ten of them the
round trips cost more than the reads. `read_together` sends them as one statement: each
queryset's own SQL, unchanged (its filters, order, limit and joins), wrapped so that every row
comes back as JSON tagged with its queryset, then turned back into model instances exactly as
Django's own iteration would, `select_related` included.

Only PostgreSQL can do this; on other databases, and for querysets this cannot rebuild (values
querysets, prefetching, column types JSON cannot carry faithfully), each queryset is simply
evaluated on its own. The answer is the same either way.
"""

import datetime
import json
import uuid
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# Column types whose JSON form is not the value psycopg2 would have returned, and how to get it.
_FROM_JSON = {
    "DateTimeField": datetime.datetime.fromisoformat,
    "DateField": datetime.date.fromisoformat,
    "TimeField": datetime.time.fromisoformat,
    "DecimalField": Decimal,
    "FloatField": float,
    "UUIDField": uuid.UUID,
    # Django reads jsonb as text and parses it itself (JSONField.from_db_value).
    "JSONField": lambda value: json.dumps(value, default=float),  # numbers were read as Decimal
}
# Types JSON carries as psycopg2 returns them (numbers, text, booleans; NULL is None).
_AS_IS = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "BooleanField",
    "CharField", "TextField", "EmailField", "URLField", "SlugField", "GenericIPAddressField", "ForeignKey",
    "OneToOneField",
}


def read_together(querysets: dict[str, QuerySet]) -> dict[str, list]:
    """Each queryset's rows, by the same key, read in one statement where the database allows.

    The querysets are left unevaluated; evaluate them yourself to read them again."""
    combinable, on_their_own = {}, {}
    for name, queryset in querysets.items():
        (combinable if _combinable(queryset) else on_their_own)[name] = queryset
    read = {name: list(queryset) for name, queryset in on_their_own.items()}
    if len(combinable) == 1:
        read.update({name: list(queryset) for name, queryset in combinable.items()})
    elif combinable:
        read.update(_read_in_one_statement(combinable))
    return {name: read[name] for name in querysets}


def _combinable(queryset: QuerySet) -> bool:
    return (
        connections[queryset.db].vendor == "postgresql"
        and queryset._iterable_class is ModelIterable
        and not queryset._prefetch_related_lookups
        and queryset._result_cache is None
    )


def _read_in_one_statement(querysets: dict[str, QuerySet]) -> dict[str, list]:
    compilers, parts, params = {}, [], []
    for name, queryset in querysets.items():
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, part_params = compiler.as_sql()
        except EmptyResultSet:  # e.g. `pk__in=[]`: nothing to read
            continue
        if not all(_carried(column) for column in _columns(compiler)):
            return {name: list(queryset) for name, queryset in querysets.items()}
        compilers[name] = compiler
        # Columns renamed by position (joined tables repeat names like "id"); row numbers keep
        # each queryset's own order through the UNION.
        aliases = ", ".join(f"c{position}" for position in range(compiler.col_count))
        parts.append(f"(SELECT {len(parts)} AS part, row_number() OVER () AS position, row_to_json(r)::text AS row"
                     f" FROM ({sql}) AS r({aliases}))")
        params.extend(part_params)
    rows_by_part = defaultdict(list)
    if parts:
        database = next(iter(querysets.values())).db
        with connections[database].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts) + " ORDER BY part, position", params)
            for part, _, row in cursor.fetchall():
                rows_by_part[part].append(row)
    read = {name: [] for name in querysets}
    for part, (name, compiler) in enumerate(compilers.items()):
        rows = [_values(compiler, row) for row in rows_by_part[part]]
        read[name] = list(_instances(querysets[name], compiler, rows))
    return read


def _columns(compiler) -> list:
    return [expression.output_field for expression, _, _ in compiler.select[:compiler.col_count]]


def _carried(output_field) -> bool:
    internal_type = output_field.get_internal_type()
    return internal_type in _FROM_JSON or internal_type in _AS_IS


def _values(compiler, row_json: str) -> tuple:
    """A row as psycopg2 would have returned it."""
    raw = json.loads(row_json, parse_float=Decimal)
    values = []
    for position, output_field in enumerate(_columns(compiler)):
        value = raw[f"c{position}"]
        convert = _FROM_JSON.get(output_field.get_internal_type())
        values.append(convert(value) if convert is not None and value is not None else value)
    return tuple(values)


def _instances(queryset: QuerySet, compiler, rows: list[tuple]):
    """Model instances from rows, as ModelIterable builds them (Django's converters included)."""
    select, klass_info = compiler.select, compiler.klass_info
    model_fields_start, model_fields_end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[model_fields_start:model_fields_end]]
    related_populators = get_related_populators(klass_info, select, queryset.db)
    for row in compiler.results_iter([rows]):
        instance = klass_info["model"].from_db(queryset.db, init_list, row[model_fields_start:model_fields_end])
        for populator in related_populators:
            populator.populate(row, instance)
        for attribute, position in compiler.annotation_col_map.items():
            setattr(instance, attribute, row[position])
        yield instance
