"""Tamper evidence and retention: `verify_audit` names the first record changed, unlinked or removed
behind the application's back; `archive_audit` moves old events to a file without breaking the
chain, and the file verifies; the hourly job records its walk and the dashboard raises the alarm."""

import datetime
import gzip
import json
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.archive import ARCHIVE_FORMAT
from audit.chain import GENESIS_HASH, LinkProblem, chained_hash
from audit.models import AuditArchive, AuditEvent, AuditReviewMark, AuditVerification
from audit.services.recording import record_event
from audit.services.verification import PERIODIC_JOB, audit_chain_verify
from audit.tasks import verify_audit_chain
from config.celery import app as celery_app
from dashboard.page import dashboard_for

OLD = datetime.timedelta(days=120)


def record_exports(count: int, *, label: str = "export") -> list[AuditEvent]:
    return [record_event(AuditEvent.Action.EXPORT, actor_name="auditor", summary=f"{label} {number}",
                         details={"rows": number}) for number in range(count)]


def record_old_exports(count: int) -> list[AuditEvent]:
    with time_machine.travel(timezone.now() - OLD):
        return record_exports(count, label="old export")


def behind_the_applications_back(statement: str, params: list, *, tables=("audit_auditevent",)) -> None:
    """What someone with database access could do: PostgreSQL's append-only triggers are switched
    off on `tables` for the statement (inside this transaction), SQLite has none."""
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgresql:
            # ALTER TABLE waits for no deferred foreign-key check: run the test's pending ones now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(statement, params)
        if postgresql:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def verify_audit(*args: str) -> str:
    output = StringIO()
    call_command("verify_audit", *args, stdout=output)
    return output.getvalue()


def archive_audit(*args: str) -> str:
    output = StringIO()
    call_command("archive_audit", *args, stdout=output)
    return output.getvalue()


def archive_lines(path) -> list[dict]:
    with gzip.open(path, "rt") as lines:
        return [json.loads(line) for line in lines]


def write_archive_lines(path, lines: list[dict]) -> None:
    with gzip.open(path, "wt") as archive_file:
        archive_file.writelines(json.dumps(line) + "\n" for line in lines)


# The on-line trail


def test_an_intact_trail_verifies_and_the_walk_is_recorded(db):
    record_exports(5)
    assert "Audit trail intact: 5 records checked" in verify_audit()
    verification = AuditVerification.objects.get()
    assert (verification.intact, verification.events_checked, verification.first_broken_id) == (True, 5, None)
    assert verification.checked_by.endswith("(command line)")


@pytest.mark.parametrize(("column", "value", "problem"), [
    ("summary", "nothing was exported", LinkProblem.CONTENT_CHANGED),
    ("actor_name", "someone else", LinkProblem.CONTENT_CHANGED),
    ("previous_hash", "f" * 64, LinkProblem.LINK_BROKEN),
])
def test_a_record_changed_behind_the_applications_back_is_named_as_the_first_broken_link(db, column, value, problem):
    events = record_exports(5)
    tampered = events[2]
    behind_the_applications_back(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, tampered.id])
    with pytest.raises(CommandError, match=f"broken at record #{tampered.id} \\({problem}\\)"):
        verify_audit()
    verification = AuditVerification.objects.get()
    assert (verification.intact, verification.first_broken_id, verification.events_checked) == (False, tampered.id, 2)
    assert f"#{tampered.id}" in verification.message


def test_a_changed_record_whose_hash_is_recomputed_breaks_the_link_to_the_next(db):
    events = record_exports(4)
    tampered = events[1]
    forged = AuditEvent.objects.values().get(pk=tampered.id) | {"summary": "nothing was exported"}
    behind_the_applications_back("UPDATE audit_auditevent SET summary = %s, record_hash = %s WHERE id = %s",
                                 [forged["summary"], chained_hash(tampered.previous_hash, forged), tampered.id])
    with pytest.raises(CommandError, match=f"broken at record #{events[2].id} \\(link broken\\)"):
        verify_audit()


@pytest.mark.parametrize("removed", [0, 2])
def test_a_deleted_record_is_found_as_a_gap(db, removed):
    events = record_exports(4)
    behind_the_applications_back("DELETE FROM audit_auditevent WHERE id = %s", [events[removed].id])
    check = audit_chain_verify(checked_by="auditor")
    assert (check.intact, check.broken_link.record_id, check.broken_link.problem) == (
        False, events[removed].id, LinkProblem.RECORD_MISSING)
    with pytest.raises(CommandError, match=f"#{events[removed].id} is missing before #{events[removed + 1].id}"):
        verify_audit()


# Retention


def test_archiving_moves_old_events_to_a_file_and_both_parts_of_the_chain_verify(db, tmp_path):
    old, recent = record_old_exports(4), record_exports(2)
    output = archive_audit("--dir", str(tmp_path))

    archive = AuditArchive.objects.get()
    path = tmp_path / archive.file_name
    assert f"Archived 4 audit events (#{old[0].id}–#{old[-1].id})" in output and str(path) in output
    assert (archive.event_count, archive.first_id, archive.last_id) == (4, old[0].id, old[-1].id)
    assert (archive.first_previous_hash, archive.last_hash) == (GENESIS_HASH, old[-1].record_hash)
    assert archive.archived_by.endswith("(command line)")
    assert list(AuditEvent.objects.order_by("id").values_list("id", flat=True)) == [event.id for event in recent]

    manifest, *lines = archive_lines(path)
    assert ((manifest["archive"], manifest["event_count"], manifest["last_hash"])
            == (ARCHIVE_FORMAT, 4, old[-1].record_hash))
    assert [(line["id"], line["summary"], line["previous_hash"], line["record_hash"]) for line in lines] == [
        (event.id, event.summary, event.previous_hash, event.record_hash) for event in old]
    assert lines[0]["details"] == {"rows": 0} and lines[0]["actor_name"] == "auditor"

    assert "Audit trail intact: 2 records checked" in verify_audit()
    assert "intact: 4 records checked" in verify_audit("--archive", str(path))


def test_after_archiving_everything_new_events_continue_the_chain_from_the_archive(db, tmp_path):
    old = record_old_exports(3)
    archive_audit("--dir", str(tmp_path))
    assert not AuditEvent.objects.exists()
    new = record_event(AuditEvent.Action.EXPORT, summary="after the archive")
    assert (new.id, new.previous_hash) == (old[-1].id + 1, old[-1].record_hash)
    assert "Audit trail intact: 1 records checked" in verify_audit()


def test_a_second_archive_continues_the_first_and_both_files_verify(db, tmp_path):
    record_old_exports(2)
    archive_audit("--dir", str(tmp_path))
    second = record_old_exports(3)
    archive_audit("--dir", str(tmp_path))
    first_archive, second_archive = AuditArchive.objects.order_by("id")
    assert (second_archive.first_id, second_archive.first_previous_hash) == (
        first_archive.last_id + 1, first_archive.last_hash)
    assert second_archive.last_hash == second[-1].record_hash
    for archive in (first_archive, second_archive):
        assert "intact" in verify_audit("--archive", str(tmp_path / archive.file_name))
    assert "Audit trail intact: 0 records checked" in verify_audit()


def test_an_event_changed_in_the_archive_file_is_named(db, tmp_path):
    old = record_old_exports(3)
    archive_audit("--dir", str(tmp_path))
    path = tmp_path / AuditArchive.objects.get().file_name
    manifest, *lines = archive_lines(path)
    lines[1]["summary"] = "nothing was exported"
    write_archive_lines(path, [manifest, *lines])
    with pytest.raises(CommandError, match=f"broken at record #{old[1].id} \\(content changed\\)"):
        verify_audit("--archive", str(path))


def test_an_event_removed_from_the_archive_file_is_named(db, tmp_path):
    old = record_old_exports(3)
    archive_audit("--dir", str(tmp_path))
    path = tmp_path / AuditArchive.objects.get().file_name
    manifest, *lines = archive_lines(path)
    write_archive_lines(path, [manifest, *lines[:-1]])
    with pytest.raises(CommandError, match=f"#{old[-1].id} is missing at the end"):
        verify_audit("--archive", str(path))


def test_any_other_change_to_the_archive_file_fails_its_checksum(db, tmp_path):
    record_old_exports(2)
    archive_audit("--dir", str(tmp_path))
    path = tmp_path / AuditArchive.objects.get().file_name
    manifest, *lines = archive_lines(path)
    write_archive_lines(path, [manifest | {"note": "re-packed"}, *lines])
    with pytest.raises(CommandError, match="changed: its SHA-256 is"):
        verify_audit("--archive", str(path))
    path.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="cannot be read"):
        verify_audit("--archive", str(path))


def test_a_file_that_is_no_recorded_archive_is_refused(db, tmp_path):
    stranger = tmp_path / "audit-events-000000000001-000000000009.jsonl.gz"
    write_archive_lines(stranger, [{"archive": ARCHIVE_FORMAT}])
    with pytest.raises(CommandError, match="--archive: No archive named audit-events-000000000001"):
        verify_audit("--archive", str(stranger))


def test_a_broken_chain_is_not_archived_and_nothing_is_deleted(db, tmp_path):
    old = record_old_exports(3)
    behind_the_applications_back("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["forged", old[1].id])
    with pytest.raises(CommandError, match=f"Record #{old[1].id} \\(content changed\\).*Nothing was archived"):
        archive_audit("--dir", str(tmp_path))
    assert AuditEvent.objects.count() == 3 and not AuditArchive.objects.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_last_three_months_stay_on_line(db, tmp_path):
    record_old_exports(2)
    with pytest.raises(CommandError, match="--older-than-days must be at least 90"):
        archive_audit("--older-than-days", "30", "--dir", str(tmp_path))
    assert AuditEvent.objects.count() == 2 and not AuditArchive.objects.exists()
    assert "Nothing to archive" in archive_audit("--older-than-days", "365", "--dir", str(tmp_path))
    assert AuditEvent.objects.count() == 2 and list(tmp_path.iterdir()) == []


def test_reviewed_events_can_be_archived_and_their_marks_stay(staff, tmp_path):
    old = record_old_exports(2)
    mark = AuditReviewMark.objects.create(event=old[0], reviewer=staff["lead"], marked_at=timezone.now(),
                                          verdict=AuditReviewMark.Verdict.REVIEWED)
    archive_audit("--dir", str(tmp_path))
    connection.check_constraints()  # what committing would check
    assert not AuditEvent.objects.exists()
    assert AuditReviewMark.objects.values_list("event_id", flat=True).get(pk=mark.pk) == old[0].id


def test_archives_go_to_the_configured_directory_by_default(db, tmp_path, settings):
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "archive"
    record_old_exports(1)
    archive_audit()
    assert (settings.AUDIT_ARCHIVE_DIR / AuditArchive.objects.get().file_name).is_file()


# The hourly job and the dashboard


def test_the_periodic_job_is_scheduled_and_records_its_walk(db):
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled["audit.verify_audit_chain"] <= 3600
    record_exports(3)
    assert celery_app.tasks["audit.verify_audit_chain"].apply().get() is True  # the job beat names
    verification = AuditVerification.objects.get()
    assert (verification.checked_by, verification.intact, verification.events_checked) == (PERIODIC_JOB, True, 3)


def test_the_dashboard_alerts_the_lead_to_a_broken_chain_and_not_someone_without_the_permission(client_as):
    events = record_exports(3)
    behind_the_applications_back("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["forged", events[1].id])
    assert verify_audit_chain.apply().get() is False

    lead = client_as("lead").get(reverse("admin:index")).content.decode()
    assert 'id="dashboard-audit-trail" role="alert"' in lead
    assert f"Audit trail broken at record #{events[1].id} (content changed)" in lead
    for person in ("ops", "nobody"):
        page = client_as(person).get(reverse("admin:index")).content.decode()
        assert "dashboard-audit-trail" not in page and "Audit trail broken" not in page


def test_the_dashboard_alerts_when_the_chain_has_not_been_verified_for_two_hours(staff):
    status = dashboard_for(user=staff["lead"]).content("audit-trail")
    assert status.message.startswith("The audit trail has not been checked yet")
    three_hours_ago = timezone.now() - datetime.timedelta(hours=3)
    with time_machine.travel(three_hours_ago):
        record_exports(1)
        assert verify_audit_chain.apply().get() is True
    status = dashboard_for(user=staff["auditor"]).content("audit-trail")
    assert status.alert and "not been verified since" in status.message
    assert f"{timezone.localtime(three_hours_ago):%H:%M}" in status.message


def test_a_recent_intact_walk_is_shown_quietly(client_as):
    record_exports(2)
    verify_audit_chain.apply()
    page = client_as("auditor").get(reverse("admin:index")).content.decode()
    assert 'id="dashboard-audit-trail" data-alert="false"' in page
    assert "Audit trail verified at" in page and 'role="alert"' not in page
