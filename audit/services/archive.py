"""Retention: old events move from the database to archive files, and the chain stays verifiable.

`audit_events_archive` moves the stretch before the on-line window to a gzip JSON-lines file (the
format `audit.archive` reads). The file is written and synced to disk, its SHA-256 recorded in an
`AuditArchive` row, and only then are the events deleted, all in one transaction: a failure at any
step deletes nothing and leaves no file behind. The on-line chain then continues from the
archive's last hash (see `audit.archive.archived_chain_head`), and a checkpoint records where the
whole chain had reached (`audit.services.checkpoints`).
"""

import datetime
import gzip
import json
import os
from contextlib import closing
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from audit.archive import ARCHIVE_FORMAT, AuditArchiveError, archived_chain_head, file_sha256
from audit.chain import GENESIS_HASH, ChainWalk
from audit.models import AuditArchive, AuditEvent
from audit.services.checkpoints import audit_checkpoint_write
from audit.services.recording import chain_head
from opsconsole.advisory_locks import AUDIT_ARCHIVE, advisory_xact_lock

EVENT_FIELDS = tuple(field.attname for field in AuditEvent._meta.concrete_fields)
ROWS_PER_FETCH = 2_000
BROKEN_CHAIN = "Record #{record_id} ({problem}): {explanation}. Nothing was archived; run verify_audit."


def audit_events_archive(*, older_than: datetime.datetime, directory: Path, archived_by: str) -> AuditArchive | None:
    """Move the events before `older_than` to a new file in `directory`; None when none is that old.

    Only the oldest unbroken stretch moves, so the on-line chain always starts where the archive
    ends. A break in that stretch stops archiving: it is found by `verify_audit`, not buried in a file.
    """
    directory.mkdir(parents=True, exist_ok=True)
    created = None
    try:
        with transaction.atomic():
            _lock_archiving()
            archive = _next_archive(older_than=older_than, archived_by=archived_by)
            if archive is None:
                return None
            path = directory / archive.file_name
            with _create_file(path) as raw_file:
                created = path
                _write_archive_file(raw_file, archive)
            _sync_directory(directory)
            archive.file_sha256 = file_sha256(path)
            archive.save()
            _delete_archived_events(archive)
            last_id, last_hash = chain_head()
            audit_checkpoint_write(last_id=last_id, last_hash=last_hash, written_by=f"archive by {archived_by}")
    except BaseException:
        if created is not None:
            created.unlink(missing_ok=True)
        raise
    return archive


def _lock_archiving() -> None:
    """One archiving runs at a time. Appends need not wait: they add after the newest event, and
    the chain head they read is the same whether the events before it are on-line or just archived."""
    advisory_xact_lock(AUDIT_ARCHIVE)


def _next_archive(*, older_than: datetime.datetime, archived_by: str) -> AuditArchive | None:
    """The record of the archive to write (unsaved, without its checksum): the oldest on-line
    stretch in which every event is before `older_than`, continuing the archived part of the chain."""
    first_kept = AuditEvent.objects.filter(occurred_at__gte=older_than).aggregate(first=Min("id"))["first"]
    older = AuditEvent.objects.filter(occurred_at__lt=older_than)
    if first_kept is not None:
        older = older.filter(id__lt=first_kept)
    last_id = older.aggregate(last=Max("id"))["last"]
    if last_id is None:
        return None
    # It starts right after the archived part; a record missing there is reported by the walk.
    after_id, previous_hash = archived_chain_head() or (0, GENESIS_HASH)
    return AuditArchive(
        archived_at=timezone.now(), archived_by=archived_by[:150], older_than=older_than,
        file_name=f"audit-events-{after_id + 1:012d}-{last_id:012d}.jsonl.gz",
        event_count=last_id - after_id, first_id=after_id + 1, last_id=last_id, first_previous_hash=previous_hash,
        last_hash=AuditEvent.objects.values_list("record_hash", flat=True).get(pk=last_id),
    )


def _manifest(archive: AuditArchive) -> dict:
    return {
        "archive": ARCHIVE_FORMAT, "first_id": archive.first_id, "last_id": archive.last_id,
        "event_count": archive.event_count, "first_previous_hash": archive.first_previous_hash,
        "last_hash": archive.last_hash, "older_than": archive.older_than, "archived_at": archive.archived_at,
    }


def _create_file(path: Path):
    try:
        return open(path, "xb")
    except FileExistsError:
        raise AuditArchiveError(
            f"{path} already exists but is not on record as an archive: move it aside and archive again."
        ) from None


def _write_archive_file(raw_file, archive: AuditArchive) -> None:
    """Write the manifest and the events, checking the chain as they go, and sync the file to
    disk: the events may be deleted only once it is there."""
    walk = ChainWalk(after_id=archive.first_id - 1, previous_hash=archive.first_previous_hash)
    events = (AuditEvent.objects.filter(id__lte=archive.last_id).order_by("id")
              .values(*EVENT_FIELDS).iterator(chunk_size=ROWS_PER_FETCH))
    # Closed before any error leaves the transaction: PostgreSQL's server-side cursor ends with it.
    with closing(events), gzip.GzipFile(filename=archive.file_name, mode="wb", fileobj=raw_file) as archive_file:
        archive_file.write(_json_line(_manifest(archive)))
        for event in events:
            if broken := walk.follow(event):
                raise AuditArchiveError(BROKEN_CHAIN.format(record_id=broken.record_id, problem=broken.problem,
                                                            explanation=broken.explanation))
            archive_file.write(_json_line(event))
    if broken := walk.reaches(last_id=archive.last_id, last_hash=archive.last_hash):
        raise AuditArchiveError(BROKEN_CHAIN.format(record_id=broken.record_id, problem=broken.problem,
                                                    explanation=broken.explanation))
    raw_file.flush()
    os.fsync(raw_file.fileno())


def _sync_directory(directory: Path) -> None:
    """A new file's name is durable only once its directory is synced too."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _json_line(values: dict) -> bytes:
    text = json.dumps(values, separators=(",", ":"), default=_json_value)
    return f"{text}\n".encode()


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _delete_archived_events(archive: AuditArchive) -> None:
    """The one deletion the trail allows. The ORM refuses it; on PostgreSQL only the tables'
    owner may delete, and the application asks `audit_archive_delete` (migration audit 0007),
    which runs as that owner and deletes only the oldest stretch of a recorded archive."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT audit_archive_delete(%s)", [archive.pk])
            deleted = cursor.fetchone()[0]
        else:
            table = connection.ops.quote_name(AuditEvent._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE id BETWEEN %s AND %s", [archive.first_id, archive.last_id])
            deleted = cursor.rowcount
    if deleted != archive.event_count:
        raise AuditArchiveError(f"Expected to delete {archive.event_count} archived events, found {deleted}; "
                                "nothing was deleted.")
