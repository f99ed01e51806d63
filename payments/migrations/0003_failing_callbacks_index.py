"""A platform's failing callbacks by id: its page counts them and the resend task reads them a chunk
at a time. Partial: it holds only the failing and abandoned ones.

Plain CREATE INDEX, which blocks writes to the table while it builds: on a live payments database
build it first with CREATE INDEX CONCURRENTLY under the same name (docs/decisions/0055-index-builds.md).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_platform_partial_search_indexes'),
        ('payments', '0002_list_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='callback',
            index=models.Index(condition=models.Q(('status__in', ['failing', 'abandoned'])), fields=['platform', 'id'], name='callback_failing_idx'),
        ),
    ]
