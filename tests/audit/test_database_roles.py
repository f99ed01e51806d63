"""The audit trail against the application's own database role (PostgreSQL): the role
`grant_app_role` prepares runs the console, archives through the owner's function, and can
neither empty, rewrite nor unprotect the trail, even where someone granted it too much."""

import datetime
import os
from io import StringIO
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditArchive, AuditCheckpoint, AuditEvent
from tests.audit.test_integrity import archive_audit, record_exports, record_old_exports, verify_audit
from tests.conftest import require_service

APP_ROLE = f"opsconsole_app_test_{os.getpid()}"


@pytest.fixture
def app_role(db):
    """A login-less role made like the production one, inside the test's transaction (so it is
    gone after), with what `grant_app_role` gives it."""
    require_service("PostgreSQL (database roles)", connection.vendor == "postgresql")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER")
    call_command("grant_app_role", APP_ROLE, stdout=StringIO())
    return APP_ROLE


def as_role(role: str) -> None:
    """From here to the end of the test's transaction, every statement runs as `role`."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")


def refused(statement: str, params=(), *, match: str) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        # TRUNCATE waits for no deferred foreign-key check: run the test's pending ones first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement, params)


def grant(privileges: str, role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT {privileges} ON audit_auditevent TO {role}")


def test_truncate_is_refused_to_the_application_and_to_the_owner(app_role):
    record_exports(3)
    refused("TRUNCATE audit_auditevent", match="audit records are append-only: TRUNCATE on audit_auditevent refused")
    refused("TRUNCATE audit_auditcheckpoint", match="TRUNCATE on audit_auditcheckpoint refused")
    grant("TRUNCATE", app_role)  # a grant too many still meets the trigger
    as_role(app_role)
    refused("TRUNCATE audit_auditevent", match="TRUNCATE on audit_auditevent refused")
    assert AuditEvent.objects.count() == 3


def test_the_archiving_setting_lets_no_session_but_the_owners_delete(app_role):
    events = record_exports(3)
    as_role(app_role)
    refused("SET LOCAL audit.archiving = 'on'; DELETE FROM audit_auditevent WHERE id = %s", [events[-1].id],
            match="permission denied for table audit_auditevent")
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    grant("DELETE, UPDATE", app_role)
    as_role(app_role)
    refused("SET LOCAL audit.archiving = 'on'; DELETE FROM audit_auditevent WHERE id = %s", [events[-1].id],
            match="append-only: DELETE on audit_auditevent refused")
    refused("UPDATE audit_auditevent SET summary = 'nothing' WHERE id = %s", [events[0].id],
            match="append-only: UPDATE on audit_auditevent refused")
    assert AuditEvent.objects.count() == 3


def test_the_application_cannot_switch_the_triggers_off(app_role):
    as_role(app_role)
    for table in ("audit_auditevent", "audit_auditcheckpoint"):
        refused(f"ALTER TABLE {table} DISABLE TRIGGER USER", match="must be owner")
    refused("SET session_replication_role = replica", match="permission denied")


def test_the_application_archives_only_through_the_owners_function_and_only_old_events(app_role, tmp_path):
    old, recent = record_old_exports(3), record_exports(2)
    as_role(app_role)
    assert "Archived 3 audit events" in archive_audit("--dir", str(tmp_path))
    assert "Audit trail intact: 2 records checked" in verify_audit()
    assert AuditCheckpoint.objects.count() == 2  # the archive's and the check's

    # A record claiming the newest events were archived does not get them deleted.
    claim = AuditArchive.objects.create(
        archived_at=timezone.now(), archived_by="someone", older_than=timezone.now() + datetime.timedelta(days=1),
        file_name="none", file_sha256="0" * 64, event_count=2, first_id=recent[0].id, last_id=recent[-1].id,
        first_previous_hash=old[-1].record_hash, last_hash=recent[-1].record_hash)
    refused("SELECT audit_archive_delete(%s)", [claim.pk], match="the last 90 days stay on-line")
    backdated = AuditArchive.objects.create(
        archived_at=timezone.now(), archived_by="someone", older_than=timezone.now() - datetime.timedelta(days=100),
        file_name="none", file_sha256="0" * 64, event_count=2, first_id=recent[0].id, last_id=recent[-1].id,
        first_previous_hash=old[-1].record_hash, last_hash=recent[-1].record_hash)
    refused("SELECT audit_archive_delete(%s)", [backdated.pk], match="covers events newer than")
    assert list(AuditEvent.objects.values_list("id", flat=True).order_by("id")) == [event.id for event in recent]


def test_the_console_runs_as_the_application_role(app_role, client_as):
    lead = client_as("lead")
    as_role(app_role)
    for url in (reverse("admin:index"), reverse("admin:audit_auditevent_changelist"), reverse("audit-review")):
        assert lead.get(url).status_code == 200, url
    record_exports(2)
    assert "Audit trail intact:" in verify_audit()


def test_grant_app_role_refuses_a_role_that_could_undo_the_protection(db):
    require_service("PostgreSQL (database roles)", connection.vendor == "postgresql")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        cursor.execute(f"CREATE ROLE {APP_ROLE}_super NOLOGIN SUPERUSER")
        cursor.execute(f"CREATE ROLE {APP_ROLE}_owner NOLOGIN")
        cursor.execute("CREATE TABLE owned_elsewhere (id int)")
        cursor.execute(f"ALTER TABLE owned_elsewhere OWNER TO {APP_ROLE}_owner")
    for role, problem in ((f"{APP_ROLE}_super", "is a superuser"), (f"{APP_ROLE}_owner", "owns owned_elsewhere"),
                          (owner, "is a superuser|is the role running migrations"),
                          (f"{APP_ROLE}_missing", "no role named")):
        with pytest.raises(CommandError, match=problem):
            call_command("grant_app_role", role, stdout=StringIO())


def test_the_production_compose_file_runs_the_application_as_its_own_role():
    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    owner = services["db"]["environment"]["POSTGRES_USER"]
    for name in ("web", "worker", "beat"):
        database_user = urlsplit(services[name]["environment"]["DATABASE_URL"]).username
        assert database_user != owner and "APP_DATABASE_USER" in database_user, name
    assert urlsplit(services["migrate"]["environment"]["DATABASE_URL"]).username == owner
    assert "grant_app_role ${APP_DATABASE_USER" in services["migrate"]["command"]
    init_script = settings.BASE_DIR / "deploy/postgres/10-application-role.sh"
    assert "./deploy/postgres:/docker-entrypoint-initdb.d:ro" in services["db"]["volumes"]
    assert "NOSUPERUSER" in init_script.read_text()
