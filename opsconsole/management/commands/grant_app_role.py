"""`python manage.py grant_app_role ROLE`: give the application's database role what it needs, and no more.

Run by the role that ran `migrate` (the tables' owner), after every `migrate`. The application
then connects as ROLE, which must be no superuser and own no table: it reads and writes the
console's tables, only reads and appends to the audit trail's, only reads the migration record,
and archives old audit events through `audit_archive_delete` (migration audit 0007). Owning no
audit table, it cannot switch their triggers off; without TRUNCATE, UPDATE or DELETE on them,
it cannot empty or rewrite them.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from audit.models import AppendOnlyModel

ARCHIVE_FUNCTION = "audit_archive_delete(bigint)"
MIGRATION_RECORD = "django_migrations"
READ_AND_APPEND = "SELECT, INSERT"
READ_AND_WRITE = "SELECT, INSERT, UPDATE, DELETE"


def append_only_tables() -> set[str]:
    return {model._meta.db_table for model in apps.get_models() if issubclass(model, AppendOnlyModel)}


class Command(BaseCommand):
    help = ("Grant the application's PostgreSQL role (no superuser, owning no table) what the console needs: "
            "read and write its tables, read and append to the audit trail, archive through the audit function.")

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role the application connects as.")

    def handle(self, *args, role: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role: the database is not PostgreSQL; there are no roles to grant to.")
        with transaction.atomic(), connection.cursor() as cursor:
            self._refuse_unfit(cursor, role)
            quoted_role = connection.ops.quote_name(role)
            cursor.execute("SELECT quote_ident(current_schema())")
            schema = cursor.fetchone()[0]
            audit_tables = append_only_tables()
            tables = connection.introspection.table_names(cursor)
            cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {quoted_role}")
            for table in tables:
                quoted_table = connection.ops.quote_name(table)
                cursor.execute(f"REVOKE ALL ON TABLE {quoted_table} FROM {quoted_role}")
                if table == MIGRATION_RECORD:
                    privileges = "SELECT"
                elif table in audit_tables:
                    privileges = READ_AND_APPEND
                else:
                    privileges = READ_AND_WRITE
                cursor.execute(f"GRANT {privileges} ON TABLE {quoted_table} TO {quoted_role}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted_role}")
            cursor.execute(f"GRANT EXECUTE ON FUNCTION {ARCHIVE_FUNCTION} TO {quoted_role}")
        self.stdout.write(self.style.SUCCESS(
            f"{role} may read and write {len(tables) - len(audit_tables) - 1} tables, read and append to "
            f"{len(audit_tables)} audit tables, and archive audit events through {ARCHIVE_FUNCTION}."))

    def _refuse_unfit(self, cursor, role: str) -> None:
        cursor.execute("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if found is None:
            raise CommandError(f"grant_app_role: no role named {role!r}; create it first (CREATE ROLE … LOGIN).")
        if found[0]:
            raise CommandError(f"grant_app_role: {role!r} is a superuser, which no trigger stops; "
                               "the application needs a role of its own without it.")
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            raise CommandError(f"grant_app_role: {role!r} is the role running migrations, which owns the tables; "
                               "the application needs a role of its own.")
        cursor.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = %s AND c.relnamespace = current_schema()::regnamespace ORDER BY 1 LIMIT 1",
            [role])
        if owned := cursor.fetchone():
            raise CommandError(f"grant_app_role: {role!r} owns {owned[0]}; the application's role must own no "
                               "table, or it could switch the audit trail's triggers off.")
