"""Indexes for the search box (search/finding.py, accounts/search.py).

A platform's name, ignoring case, is an ordinary expression index. Part of an email is
`UPPER(email::text) LIKE UPPER('%…%')` (Django's `icontains` on PostgreSQL), which only a trigram
GIN index on that same expression can serve: pg_trgm exists on PostgreSQL alone, so that part
does nothing on SQLite. `fastupdate` is off so that new customers go straight into the index
rather than a pending list every search must scan (and the planner prices in). It is built CONCURRENTLY, hence a non-atomic migration, so that building
it over millions of customers does not block writes to them.
https://www.postgresql.org/docs/current/pgtrgm.html#PGTRGM-INDEX
"""

from django.db import migrations, models
from django.db.models.functions import Upper

EMAIL_TRIGRAM_INDEX = "customer_email_upper_trgm_idx"


def create_email_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # A build interrupted half-way leaves an INVALID index that IF NOT EXISTS would keep.
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {EMAIL_TRIGRAM_INDEX}")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY {EMAIL_TRIGRAM_INDEX} ON accounts_customer "
        "USING gin (UPPER(email::text) gin_trgm_ops) WITH (fastupdate = off)"
    )


def drop_email_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other databases objects may have come to use it.
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {EMAIL_TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="platform",
            index=models.Index(Upper("name"), name="platform_name_upper_idx"),
        ),
        migrations.RunPython(create_email_trigram_index, drop_email_trigram_index, elidable=False),
    ]
