"""History rows for records written in bulk, copied by the database in one statement.

django-simple-history writes a history row from each instance `save()` sees; `update()` and
`bulk_create()` send no signal, so they write none. Its own `bulk_*_with_history` build a history
instance per row in Python, which costs more than the change itself at payments scale (a batch
of a million entries). Here the database copies the rows as they now are into the history table
(`INSERT … SELECT`), with the same four values simple-history stamps on each: when, who, why and
the kind of change. It expects simple-history's default history models: a `history_id` the
database numbers, and no extra fields.
"""

from collections.abc import Sequence

from django.conf import settings
from django.db import connections, router
from django.db.models import Model
from django.utils import timezone

CREATED, CHANGED = "+", "~"


def history_rows_write(model: type[Model], ids: Sequence, *, history_type: str, user, change_reason: str) -> int:
    """A history row for every row of `model` whose key is in `ids`, as it is now in the database,
    attributed to `user` (None for the system) with `change_reason`. Returns how many were
    written. `ids` is one chunk of a bulk write (a statement holds a parameter per key)."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True) or not ids:
        return 0
    history = model.history.model
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    reason_length = history._meta.get_field("history_change_reason").max_length
    stamps = {
        "history_date": timezone.now(),
        "history_change_reason": (change_reason or "")[:reason_length],
        "history_type": history_type,
        "history_user": getattr(user, "pk", None),
    }
    tracked = list(history.tracked_fields)
    # The source's columns first, then the stamps: the order of the INSERT's columns.
    columns = [history._meta.get_field(field.name).column for field in tracked]
    columns += [history._meta.get_field(name).column for name in stamps]
    stamp_values = [history._meta.get_field(name).get_db_prep_value(value, connection)
                    for name, value in stamps.items()]
    key = model._meta.pk
    key_values = [key.get_db_prep_value(value, connection) for value in ids]
    source = ", ".join(f"{quote(model._meta.db_table)}.{quote(field.column)}" for field in tracked)
    statement = (f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(quote(column) for column in columns)}) "
                 f"SELECT {source}, {', '.join(['%s'] * len(stamp_values))} FROM {quote(model._meta.db_table)} "
                 f"WHERE {quote(model._meta.db_table)}.{quote(key.column)} IN ({', '.join(['%s'] * len(key_values))})")
    with connection.cursor() as cursor:
        cursor.execute(statement, [*stamp_values, *key_values])
        return cursor.rowcount
