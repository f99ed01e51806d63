"""Tamper evidence: walking the hash chain, on-line and in archive files, to the first broken link.

The on-line trail is walked from where its archived part ends, and its end held against the newest
checkpoint (audit/checkpoints.py); `verify_audit --archive FILE` walks one archive file against its
record. Nothing here writes: `verify_audit` and the hourly job (audit.tasks) verify through
`audit.services.verification`, which keeps what each walk found and a new checkpoint.
"""

from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

from audit.archive import AuditArchiveError, archive_file_events, archived_chain_head, file_sha256
from audit.chain import CHAINED_FIELDS, GENESIS_HASH, BrokenLink, ChainWalk, LinkProblem
from audit.checkpoints import Checkpoint, audit_checkpoint_read
from audit.models import AuditArchive, AuditEvent, AuditVerification

ROWS_PER_FETCH = 2_000
INTACT = "Audit trail intact: {count} records checked"
BROKEN = "Audit trail broken at record #{record_id} ({problem}): {explanation}"
EMPTY = ("Audit trail empty: no record is on-line or archived. A console in use records every sign-in: "
         "unless nobody has signed in yet, it was emptied; restore it from a backup and the archive directory.")
UNSEALED = ("Audit checkpoint not written by the console: {sources} does not carry the seal of "
            "AUDIT_CHECKPOINT_KEY, so someone wrote it who does not hold the key.")
CHECKPOINTS_UNREADABLE = ("Audit checkpoints cannot be checked: {error}. Without them a trail cut short cannot be "
                          "told apart from an intact one.")
ARCHIVE_INTACT = "Archive {file_name} intact: {count} records checked, file checksum matches its record"
ARCHIVE_BROKEN = "Archive {file_name} broken at record #{record_id} ({problem}): {explanation}"
ARCHIVE_FILE_CHANGED = "Archive {file_name} changed: its SHA-256 is {actual}, its record says {recorded}"
ARCHIVE_UNREADABLE = "Archive {file_name} cannot be read: {error}"
ARCHIVE_NOT_ON_RECORD = ("No archive named {file_name} is on record: "
                         "archive files keep the name archive_audit gave them.")


@dataclass(frozen=True)
class ChainCheck:
    """What one walk found: how many records follow on, the first that does not, or a problem
    that is no single record's (an empty trail, a forged checkpoint), and where the trail ends."""

    events_checked: int
    broken_link: BrokenLink | None = None
    problem: str | None = None
    end: tuple[int, str] | None = None

    @property
    def intact(self) -> bool:
        return self.broken_link is None and self.problem is None

    @property
    def message(self) -> str:
        if self.broken_link is not None:
            return BROKEN.format(record_id=self.broken_link.record_id, problem=self.broken_link.problem,
                                 explanation=self.broken_link.explanation)
        return self.problem or INTACT.format(count=self.events_checked)


@dataclass(frozen=True)
class ArchiveCheck:
    file_name: str
    events_checked: int
    message: str
    intact: bool


def audit_chain_check() -> ChainCheck:
    """Walk the on-line trail in id order, a chunk of rows at a time, from the end of its archived
    part; then check that it still reaches the newest checkpoint, with the same hash there."""
    head = archived_chain_head()
    check = _walk_online_from(head)
    if not check.intact and archived_chain_head() != head:
        # An archive committed during the walk: the events it deleted are not a gap. Walk again.
        check = _walk_online_from(archived_chain_head())
    if not check.intact:
        return check
    return _held_against_checkpoints(check)


def audit_verification_latest() -> AuditVerification | None:
    return AuditVerification.objects.order_by("-id").first()


def audit_archive_verify(*, path: Path) -> ArchiveCheck:
    """Check an archive file against its `AuditArchive`: where its chain starts (the end of the
    archive before it, or the start of the trail), every record, where it ends, and its checksum."""
    archive = AuditArchive.objects.filter(file_name=path.name).first()
    if archive is None:
        raise AuditArchiveError(ARCHIVE_NOT_ON_RECORD.format(file_name=path.name))
    walk = ChainWalk(after_id=archive.first_id - 1, previous_hash=archive.first_previous_hash)
    try:
        broken = _archive_starts_where_the_chain_was(archive) or _walk_archive_file(path, walk, archive)
    except (OSError, EOFError, ValueError, KeyError, AuditArchiveError) as error:
        # A damaged file: gzip, JSON and field errors alike.
        return ArchiveCheck(path.name, walk.records_followed,
                            ARCHIVE_UNREADABLE.format(file_name=path.name, error=error), intact=False)
    if broken:
        message = ARCHIVE_BROKEN.format(file_name=path.name, record_id=broken.record_id, problem=broken.problem,
                                        explanation=broken.explanation)
        return ArchiveCheck(path.name, walk.records_followed, message, intact=False)
    actual = file_sha256(path)
    if actual != archive.file_sha256:
        message = ARCHIVE_FILE_CHANGED.format(file_name=path.name, actual=actual, recorded=archive.file_sha256)
        return ArchiveCheck(path.name, walk.records_followed, message, intact=False)
    return ArchiveCheck(path.name, walk.records_followed,
                        ARCHIVE_INTACT.format(file_name=path.name, count=walk.records_followed), intact=True)


def _walk_online_from(head: tuple[int, str] | None) -> ChainCheck:
    after_id, previous_hash = head or (0, GENESIS_HASH)
    walk = ChainWalk(after_id=after_id, previous_hash=previous_hash)
    records = (AuditEvent.objects.order_by("id").values(*CHAINED_FIELDS, "previous_hash", "record_hash")
               .iterator(chunk_size=ROWS_PER_FETCH))
    with closing(records):  # stopping early ends PostgreSQL's server-side cursor now, not at garbage collection
        for record in records:
            if broken := walk.follow(record):
                return ChainCheck(walk.records_followed, broken)
    end = (walk.last_id, walk.last_hash) if walk.last_id else None
    return ChainCheck(walk.records_followed, end=end)


def _held_against_checkpoints(check: ChainCheck) -> ChainCheck:
    """The trail must reach the newest sealed checkpoint, and hold there the hash it had then."""
    reading = audit_checkpoint_read()
    if reading.file_error:
        return replace(check, problem=CHECKPOINTS_UNREADABLE.format(error=reading.file_error))
    if reading.unsealed:
        return replace(check, problem=UNSEALED.format(sources=", ".join(reading.unsealed)))
    newest = reading.newest
    if check.end is None:
        if newest is None:
            return replace(check, problem=EMPTY)
        return replace(check, broken_link=_cut_short(after_id=0, checkpoint=newest))
    end_id, _ = check.end
    if newest is None:
        return check
    if newest.last_id > end_id:
        return replace(check, broken_link=_cut_short(after_id=end_id, checkpoint=newest))
    recorded_hash = _hash_at(newest.last_id)
    if recorded_hash is not None and recorded_hash != newest.last_hash:
        return replace(check, broken_link=BrokenLink(
            newest.last_id, LinkProblem.NOT_AS_CHECKPOINTED,
            f"it ends with {recorded_hash[:12]}…, but {newest.describe()} saw it end with {newest.last_hash[:12]}…: "
            f"the trail was rewritten from here or before"))
    return check


def _cut_short(*, after_id: int, checkpoint: Checkpoint) -> BrokenLink:
    first_missing = after_id + 1
    records = (f"#{first_missing} is" if first_missing == checkpoint.last_id
               else f"#{first_missing}–#{checkpoint.last_id} are")
    where = "the trail is empty" if after_id == 0 else f"the trail ends at #{after_id}"
    return BrokenLink(first_missing, LinkProblem.RECORD_MISSING,
                      f"{records} missing at the end: {where}, but {checkpoint.describe()} "
                      f"saw it reach #{checkpoint.last_id}")


def _hash_at(record_id: int) -> str | None:
    """The hash of one record, on-line or as the last of an archive; None inside an archive,
    whose file `verify_audit --archive` checks."""
    on_line = AuditEvent.objects.filter(pk=record_id).values_list("record_hash", flat=True).first()
    return on_line or AuditArchive.objects.filter(last_id=record_id).values_list("last_hash", flat=True).first()


def _archive_starts_where_the_chain_was(archive: AuditArchive) -> BrokenLink | None:
    """An archive continues the one before it (or the start of the trail) without a gap."""
    before = (AuditArchive.objects.filter(last_id__lt=archive.first_id).order_by("-last_id")
              .values_list("last_id", "last_hash").first()) or (0, GENESIS_HASH)
    if before == (archive.first_id - 1, archive.first_previous_hash):
        return None
    return BrokenLink(archive.first_id, LinkProblem.LINK_BROKEN,
                      f"the archive starts after #{archive.first_id - 1} with {archive.first_previous_hash[:12]}…, "
                      f"but the chain before it ends at #{before[0]} with {before[1][:12]}…")


def _walk_archive_file(path: Path, walk: ChainWalk, archive: AuditArchive) -> BrokenLink | None:
    records = archive_file_events(path)
    with closing(records):
        for record in records:
            if broken := walk.follow(record):
                return broken
    return walk.reaches(last_id=archive.last_id, last_hash=archive.last_hash)
