"""`python manage.py flush`, which also empties the audit trail only where the database lets the
session switch triggers off.

On PostgreSQL every audit table refuses TRUNCATE (migration audit 0007), so Django's flush fails
there for the application's role and the tables' owner alike, and says why. A superuser's session
(the test suite's, a development database's) may set `session_replication_role`, which a
superuser could do by hand anyway: the flush then runs with the audit triggers off, inside one
transaction, and the setting ends with it.
"""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction


class Command(flush.Command):
    def handle(self, **options):
        database = options.get("database", DEFAULT_DB_ALIAS)
        connection = connections[database]
        if connection.vendor != "postgresql" or not _superuser_session(connection):
            return super().handle(**options)
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            return super().handle(**options)


def _superuser_session(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SHOW is_superuser")
        return cursor.fetchone()[0] == "on"
