"""The chain's head anchored outside the table: a trail cut short, emptied, or emptied and begun
again behind the application's back still links up, and `verify_audit` reports it all the same,
from the sealed checkpoint rows or, when those are gone too, from the checkpoint file."""

import json

import pytest
from django.core.management import CommandError
from django.utils import timezone

from audit.chain import LinkProblem
from audit.checkpoints import audit_checkpoint_read, checkpoint_file
from audit.models import AuditCheckpoint, AuditEvent, AuditVerification
from audit.services.recording import record_event
from audit.services.verification import PERIODIC_JOB, audit_chain_verify
from audit.tasks import verify_audit_chain
from tests.audit.test_integrity import (
    archive_audit,
    behind_the_applications_back,
    record_exports,
    record_old_exports,
    verify_audit,
)


def delete_events_from(first_id: int) -> None:
    behind_the_applications_back("DELETE FROM audit_auditevent WHERE id >= %s", [first_id])


def checkpoint_lines() -> list[dict]:
    return [json.loads(line) for line in checkpoint_file().read_text().splitlines()]


def test_each_intact_check_writes_a_sealed_checkpoint_to_a_row_and_the_file(db):
    events = record_exports(3)
    assert verify_audit_chain.apply().get() is True
    row = AuditCheckpoint.objects.get()
    assert (row.last_id, row.last_hash, row.written_by) == (events[-1].id, events[-1].record_hash, PERIODIC_JOB)
    [line] = checkpoint_lines()
    assert (line["last_id"], line["last_hash"], line["seal"]) == (row.last_id, row.last_hash, row.seal)
    assert audit_checkpoint_read().newest.last_id == events[-1].id


def test_a_broken_chain_writes_no_checkpoint(db):
    events = record_exports(3)
    behind_the_applications_back("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["forged", events[1].id])
    assert verify_audit_chain.apply().get() is False
    assert not AuditCheckpoint.objects.exists() and not checkpoint_file().exists()


def test_records_deleted_from_the_end_after_a_check_are_reported(db):
    events = record_exports(5)
    verify_audit()
    delete_events_from(events[3].id)
    with pytest.raises(CommandError, match=(
            f"broken at record #{events[3].id} \\(record missing\\): #{events[3].id}–#{events[4].id} are missing "
            f"at the end: the trail ends at #{events[2].id}, but the checkpoint of .* saw it reach #{events[4].id}")):
        verify_audit()
    verification = AuditVerification.objects.latest("id")
    assert (verification.intact, verification.first_broken_id) == (False, events[3].id)
    assert AuditCheckpoint.objects.count() == 1  # nothing new anchored on a shortened trail


def test_an_emptied_trail_is_reported(db):
    events = record_exports(3)
    verify_audit()
    delete_events_from(events[0].id)
    with pytest.raises(CommandError, match=f"#1–#{events[-1].id} are missing at the end: the trail is empty"):
        verify_audit()


def test_an_empty_trail_fails_even_without_a_checkpoint(db):
    with pytest.raises(CommandError, match="Audit trail empty: no record is on-line or archived"):
        verify_audit()
    assert AuditVerification.objects.get().intact is False


def test_a_trail_emptied_and_begun_again_is_reported_where_it_differs(db):
    events = record_exports(3)
    verify_audit()
    delete_events_from(events[0].id)
    # The next events chain from the start again, so the walk alone finds nothing wrong.
    begun_again = record_exports(4, label="after")
    assert begun_again[2].id == events[2].id
    check = audit_chain_verify(checked_by="auditor")
    assert (check.intact, check.broken_link.record_id, check.broken_link.problem) == (
        False, events[2].id, LinkProblem.NOT_AS_CHECKPOINTED)
    assert "the trail was rewritten from here or before" in check.message


def test_the_file_still_tells_when_the_checkpoint_rows_are_gone_too(db):
    events = record_exports(4)
    verify_audit()
    delete_events_from(events[2].id)
    behind_the_applications_back("DELETE FROM audit_auditcheckpoint", [], tables=("audit_auditcheckpoint",))
    with pytest.raises(CommandError, match=f"are missing at the end: .*line 1 of {checkpoint_file()}"):
        verify_audit()


def test_a_checkpoint_not_sealed_with_the_key_is_reported(db):
    events = record_exports(2)
    AuditCheckpoint.objects.create(written_at=timezone.now(), written_by="someone", last_id=events[0].id,
                                   last_hash=events[0].record_hash, seal="forged")
    with pytest.raises(CommandError, match="checkpoint row #\\d+ does not carry the seal of AUDIT_CHECKPOINT_KEY"):
        verify_audit()


def test_a_checkpoint_sealed_with_another_key_is_reported(db, settings):
    record_exports(2)
    settings.AUDIT_CHECKPOINT_KEY = "a key someone else chose"
    verify_audit()
    settings.AUDIT_CHECKPOINT_KEY = "the console's key"
    with pytest.raises(CommandError, match="not written by the console"):
        verify_audit()


def test_a_line_added_to_the_file_by_hand_is_reported(db):
    record_exports(2)
    verify_audit()
    with checkpoint_file().open("a") as lines:
        lines.write('{"last_id": 1, "last_hash": "0", "written_at": "2026-01-01T00:00:00+00:00", '
                    '"written_by": "x", "seal": "x"}\nnot json\n')
    with pytest.raises(CommandError, match=f"line 2 of {checkpoint_file()}, line 3 of {checkpoint_file()}"):
        verify_audit()


def test_an_archive_writes_a_checkpoint_where_the_whole_chain_had_reached(db, tmp_path):
    record_old_exports(3)
    recent = record_exports(2)
    archive_audit("--dir", str(tmp_path))
    row = AuditCheckpoint.objects.get()
    assert (row.last_id, row.last_hash) == (recent[-1].id, recent[-1].record_hash)
    assert row.written_by.startswith("archive by ") and len(checkpoint_lines()) == 1
    assert "Audit trail intact: 2 records checked" in verify_audit()


def test_when_the_checkpoint_file_cannot_be_read_the_check_says_so(db, settings, tmp_path):
    record_exports(2)
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    settings.AUDIT_ARCHIVE_DIR = not_a_directory
    with pytest.raises(CommandError, match=f"Audit checkpoints cannot be checked: {checkpoint_file()} cannot be read"):
        verify_audit()
    assert not AuditCheckpoint.objects.exists()


def test_new_records_after_a_checkpoint_verify(db):
    record_exports(2)
    verify_audit()
    record_event(AuditEvent.Action.EXPORT, summary="later")
    assert "Audit trail intact: 3 records checked" in verify_audit()
    assert [line["last_id"] for line in checkpoint_lines()] == sorted(
        AuditCheckpoint.objects.values_list("last_id", flat=True))
