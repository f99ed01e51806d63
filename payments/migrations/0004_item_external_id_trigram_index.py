"""Part of an item's external id for the item list's search box (ItemAdmin, opsconsole/list_search.py):
Django's `icontains` on PostgreSQL is `UPPER(external_id::text) LIKE UPPER('%…%')`, which only a
trigram GIN index on that same expression can serve. pg_trgm exists on PostgreSQL alone, so this
does nothing on SQLite. Items are millions of rows that platforms keep adding: the index is built
CONCURRENTLY, hence a non-atomic migration, so building it does not block them; `fastupdate` is
off so new items go straight into the index instead of a pending list every search would scan
(as for customers' emails, accounts migration 0002).
https://www.postgresql.org/docs/current/pgtrgm.html#PGTRGM-INDEX
"""

from django.db import migrations

EXTERNAL_ID_TRIGRAM_INDEX = "item_external_id_upper_trgm_idx"


def create_external_id_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # A build interrupted half-way leaves an INVALID index that IF NOT EXISTS would keep.
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {EXTERNAL_ID_TRIGRAM_INDEX}")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY {EXTERNAL_ID_TRIGRAM_INDEX} ON payments_item "
        "USING gin (UPPER(external_id::text) gin_trgm_ops) WITH (fastupdate = off)"
    )


def drop_external_id_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {EXTERNAL_ID_TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        # pg_trgm is first created by accounts 0002, which this follows.
        ("payments", "0003_failing_callbacks_index"),
    ]

    operations = [
        migrations.RunPython(create_external_id_trigram_index, drop_external_id_trigram_index, elidable=False),
    ]
