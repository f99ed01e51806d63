"""Indexes the admin lists are read by, a page at a time (opsconsole/keyset_pagination.py):
each list's order and each filter it offers served by an index, so no page reads a table whole.

Plain CREATE INDEX, which blocks writes to the table while it builds: on a live payments database
build them first with CREATE INDEX CONCURRENTLY under the same names (docs/decisions/0055-index-builds.md).
"""


from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_list_indexes'),
        ('batches', '0001_initial'),
        ('payments', '0002_list_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='batchentry',
            index=models.Index(condition=models.Q(('return_code', ''), _negated=True), fields=['return_code', 'id'], name='batchentry_returned_idx'),
        ),
    ]
