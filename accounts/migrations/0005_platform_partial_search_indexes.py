"""Part of a platform's name or client id for the search box (accounts/search.py): Django's
`icontains` on PostgreSQL is `UPPER(column::text) LIKE UPPER('%…%')`, which a trigram GIN index on
that expression serves (pg_trgm, created by 0002). PostgreSQL only; platforms are few, so the
indexes are built in the migration's transaction."""

from django.db import migrations

INDEXES = {
    "platform_name_upper_trgm_idx": "UPPER(name::text) gin_trgm_ops",
    "platform_client_id_upper_trgm_idx": "UPPER(client_id::text) gin_trgm_ops",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON accounts_platform USING gin ({expression})")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_list_indexes")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
