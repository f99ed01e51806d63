"""Statements compiled once and run again with new values.

Compiling a queryset to SQL is pure Python work that, for the short indexed reads a page makes,
can cost more than PostgreSQL takes to run them. A queryset that names the values it varies by
as `QueryValue`s compiles to SQL in which each of them is a parameter of its own; the compiled
statement is kept, and each run only fills the values in.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Expression, QuerySet


class QueryValue(Expression):
    """A value given at each run, in a queryset's condition (`Q(pk=QueryValue("number", …))`):
    compiled, a parameter of its own, filled in from the run's `values`."""

    def __init__(self, name: str, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [self]


@dataclass(frozen=True)
class Statement:
    """A compiled queryset; `params` holds a `QueryValue` where a run's value goes. No `sql`
    when the queryset can find nothing (the database is then not asked)."""

    sql: str | None
    params: tuple
    database: str

    def params_with(self, values: Mapping[str, object]) -> list:
        return [values[param.name] if isinstance(param, QueryValue) else param for param in self.params]

    def rows(self, values: Mapping[str, object]) -> list[tuple]:
        """The rows the statement reads with `values`, as the database returns them: Django's
        converters are not applied, so keep to columns that need none (text, numbers)."""
        if self.sql is None:
            return []
        with connections[self.database].cursor() as cursor:
            cursor.execute(self.sql, self.params_with(values))
            return cursor.fetchall()


def compiled(queryset: QuerySet) -> Statement:
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return Statement(None, (), queryset.db)
    return Statement(sql, tuple(params), queryset.db)
