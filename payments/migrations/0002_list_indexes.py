"""Indexes the admin lists are read by, a page at a time (opsconsole/keyset_pagination.py):
each list's order and each filter it offers served by an index, so no page reads a table whole.

Plain CREATE INDEX, which blocks writes to the table while it builds: on a live payments database
build them first with CREATE INDEX CONCURRENTLY under the same names (docs/decisions/0055-index-builds.md).
"""


from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_list_indexes'),
        ('payments', '0001_initial'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='charge',
            index=models.Index(fields=['created_at'], name='charge_created_idx'),
        ),
        migrations.AddIndex(
            model_name='disbursement',
            index=models.Index(fields=['created_at'], name='disbursement_created_idx'),
        ),
        migrations.AddIndex(
            model_name='item',
            index=models.Index(fields=['state_changed_at'], name='item_state_changed_at_idx'),
        ),
        migrations.AddIndex(
            model_name='transaction',
            index=models.Index(fields=['kind', 'created_at'], name='transaction_kind_created_idx'),
        ),
    ]
