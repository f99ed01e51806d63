"""Tamper evidence: walking the hash chain, on-line and in archive files, to the first broken link.

`verify_audit` and the hourly job (audit.tasks) walk the on-line trail from where its archived
part ends; `verify_audit --archive FILE` walks one archive file against its record.
"""

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from audit.archive import AuditArchiveError, archive_file_events, archived_chain_head, file_sha256
from audit.chain import CHAINED_FIELDS, GENESIS_HASH, BrokenLink, ChainWalk, LinkProblem
from audit.models import AuditArchive, AuditEvent, AuditVerification

ROWS_PER_FETCH = 2_000
PERIODIC_JOB = "periodic job"
INTACT = "Audit trail intact: {count} records checked"
BROKEN = "Audit trail broken at record #{record_id} ({problem}): {explanation}"
ARCHIVE_INTACT = "Archive {file_name} intact: {count} records checked, file checksum matches its record"
ARCHIVE_BROKEN = "Archive {file_name} broken at record #{record_id} ({problem}): {explanation}"
ARCHIVE_FILE_CHANGED = "Archive {file_name} changed: its SHA-256 is {actual}, its record says {recorded}"
ARCHIVE_UNREADABLE = "Archive {file_name} cannot be read: {error}"
ARCHIVE_NOT_ON_RECORD = "No archive named {file_name} is on record: archive files keep the name archive_audit gave them."


@dataclass(frozen=True)
class ChainCheck:
    """What one walk found: how many records follow on, and the first that does not."""

    events_checked: int
    broken_link: BrokenLink | None = None

    @property
    def intact(self) -> bool:
        return self.broken_link is None

    @property
    def message(self) -> str:
        if self.broken_link is None:
            return INTACT.format(count=self.events_checked)
        return BROKEN.format(record_id=self.broken_link.record_id, problem=self.broken_link.problem,
                             explanation=self.broken_link.explanation)


@dataclass(frozen=True)
class ArchiveCheck:
    file_name: str
    events_checked: int
    message: str
    intact: bool


def audit_chain_verify(*, checked_by: str) -> ChainCheck:
    """Walk the on-line trail and record what was found (an `AuditVerification`)."""
    check = audit_chain_check()
    AuditVerification.objects.create(
        checked_at=timezone.now(), checked_by=checked_by[:150], intact=check.intact,
        events_checked=check.events_checked,
        first_broken_id=check.broken_link.record_id if check.broken_link else None, message=check.message,
    )
    return check


def audit_chain_check() -> ChainCheck:
    """Walk the on-line trail in id order, a chunk of rows at a time, from the end of its archived part."""
    head = archived_chain_head()
    check = _walk_online_from(head)
    if not check.intact and archived_chain_head() != head:
        # An archive committed during the walk: the events it deleted are not a gap. Walk again.
        check = _walk_online_from(archived_chain_head())
    return check


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
    return ChainCheck(walk.records_followed)


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
