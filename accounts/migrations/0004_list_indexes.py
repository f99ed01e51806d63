"""Indexes the admin lists are read by, a page at a time (opsconsole/keyset_pagination.py):
each list's order and each filter it offers served by an index, so no page reads a table whole.

Plain CREATE INDEX, which blocks writes to the table while it builds: on a live payments database
build them first with CREATE INDEX CONCURRENTLY under the same names (docs/decisions/0055-index-builds.md).
"""


from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_sensitive_value_permissions'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['created_at'], name='customer_created_idx'),
        ),
    ]
