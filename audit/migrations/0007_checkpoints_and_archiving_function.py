"""The trail holds against anyone the application's database role lets in, not only the ORM:

- TRUNCATE is refused on every audit table by a statement-level trigger (row triggers never see it).
- Deleting archived events is no longer allowed by a setting any session can set: only the
  table's owner may, and the application does it through `audit_archive_delete`, a function
  that runs as that owner (SECURITY DEFINER) and deletes nothing but the oldest on-line stretch
  of a recorded archive, at least 89 days old (90 on-line, a day's grace for the clocks of the
  application and database servers).
- Checkpoints (the chain's head, sealed outside the database) are append-only like the rest.

The application's own role gets SELECT and INSERT on these tables and EXECUTE on the function
(`manage.py grant_app_role`); it owns none of them, so it cannot switch their triggers off.
"""

from django.db import migrations, models

AUDIT_TABLES = ("audit_auditevent", "audit_auditarchive", "audit_auditverification", "audit_auditreviewmark",
                "audit_auditreview", "audit_auditcheckpoint")

OWNER_ONLY_ARCHIVING = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_auditevent'
       AND current_setting('audit.archiving', true) = 'on'
       AND current_user = (SELECT pg_catalog.pg_get_userbyid(relowner) FROM pg_catalog.pg_class WHERE oid = TG_RELID) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'audit records are append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' refused';
END;
$$ LANGUAGE plpgsql;
"""

ANY_SESSION_ARCHIVING = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_auditevent'
       AND current_setting('audit.archiving', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'audit records are append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' refused';
END;
$$ LANGUAGE plpgsql;
"""

REFUSE_TRUNCATE = """
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'audit records are append-only: TRUNCATE on ' || TG_TABLE_NAME || ' refused';
END;
$$ LANGUAGE plpgsql;
"""

ARCHIVE_DELETE = """
CREATE OR REPLACE FUNCTION audit_archive_delete(archive_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    archive audit_auditarchive%ROWTYPE;
    deleted bigint;
BEGIN
    SELECT * INTO archive FROM audit_auditarchive WHERE id = archive_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no archive #% is on record', archive_id;
    END IF;
    IF archive.older_than > now() - interval '89 days' THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'archive #' || archive_id || ' takes events up to ' || archive.older_than
                      || ': the last 90 days stay on-line';
    END IF;
    IF EXISTS (SELECT 1 FROM audit_auditevent WHERE id < archive.first_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'archive #' || archive_id || ' is not the oldest on-line stretch of the trail';
    END IF;
    IF EXISTS (SELECT 1 FROM audit_auditevent WHERE id BETWEEN archive.first_id AND archive.last_id
               AND occurred_at >= archive.older_than) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'archive #' || archive_id || ' covers events newer than ' || archive.older_than;
    END IF;
    PERFORM set_config('audit.archiving', 'on', true);
    DELETE FROM audit_auditevent WHERE id BETWEEN archive.first_id AND archive.last_id;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    PERFORM set_config('audit.archiving', 'off', true);
    RETURN deleted;
END;
$$;
REVOKE ALL ON FUNCTION audit_archive_delete(bigint) FROM PUBLIC;
"""


def harden(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        schema = cursor.fetchone()[0]
    schema_editor.execute(OWNER_ONLY_ARCHIVING)
    schema_editor.execute(REFUSE_TRUNCATE)
    schema_editor.execute(ARCHIVE_DELETE.format(schema=schema), params=None)  # its % are PL/pgSQL's
    schema_editor.execute(
        "CREATE TRIGGER audit_auditcheckpoint_append_only BEFORE UPDATE OR DELETE ON audit_auditcheckpoint "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
    )
    for table in AUDIT_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()"
        )


def soften(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in AUDIT_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_auditcheckpoint_append_only ON audit_auditcheckpoint")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_archive_delete(bigint)")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_refuse_truncate()")
    schema_editor.execute(ANY_SESSION_ARCHIVING)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_second_factor_actions")]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("written_at", models.DateTimeField()),
                ("written_by", models.CharField(help_text="A username, the periodic job or an archive.",
                                                max_length=150)),
                ("last_id", models.BigIntegerField()),
                ("last_hash", models.CharField(max_length=64)),
                ("seal", models.CharField(max_length=255)),
            ],
            options={"ordering": ["-id"]},
        ),
        migrations.RunPython(harden, soften),
    ]
