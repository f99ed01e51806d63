"""History rows for records written in bulk, copied by the database in one statement.

django-simple-history writes a history row from each instance `save()` sees; `update()` and
`bulk_create()` send no signal, so they write none. Its own `bulk_*_with_history` build a history
instance per row in Python, which costs more than the change itself at payments scale (a batch
of a million entries). Here the database copies the rows as they now are into the history table
(`INSERT … SELECT`), with the same four values simple-history stamps on each: when, who, why and
the kind of change. It expects simple-history's default history models: a `history_id` the
database numbers, and no extra fields.
"""

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import CharField, DateTimeField, QuerySet, Value
from django.utils import timezone

CREATED, CHANGED = "+", "~"


def history_rows_write(rows: QuerySet, *, history_type: str, user, change_reason: str) -> int:
    """A history row for every row of `rows`, as it is now in the database, attributed to
    `user` (None for the system) with `change_reason`. Returns how many were written."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return 0
    history = rows.model.history.model
    reason_length = history._meta.get_field("history_change_reason").max_length
    user_id_field = history._meta.get_field("history_user").target_field
    stamps = {
        "history_date": Value(timezone.now(), output_field=DateTimeField()),
        "history_change_reason": Value((change_reason or "")[:reason_length], output_field=CharField()),
        "history_type": Value(history_type, output_field=CharField()),
        "history_user": Value(getattr(user, "pk", None), output_field=user_id_field),
    }
    tracked = [field.attname for field in history.tracked_fields]
    # Values of the source fields first, then the stamps: the order of the INSERT's columns.
    select = rows.order_by().annotate(**{f"stamp_{name}": value for name, value in stamps.items()})
    select = select.values_list(*tracked, *(f"stamp_{name}" for name in stamps))
    try:
        select_sql, params = select.query.sql_with_params()
    except EmptyResultSet:  # `pk__in=[]`: no rows, no statement
        return 0
    connection = connections[rows.db]
    columns = [history._meta.get_field(field.name).column for field in history.tracked_fields]
    columns += [history._meta.get_field(name).column for name in stamps]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} ({quoted}) {select_sql}",
                       params)
        return cursor.rowcount
