"""The chain's head anchored outside the audit table, so a trail emptied or cut short is reported.

The hash chain shows a record changed, removed or inserted between two others; it cannot show
records removed from its end, nor a trail emptied and started again, because what is left still
links up. A checkpoint records where the chain had reached (the last id and its hash), sealed
with `AUDIT_CHECKPOINT_KEY`, a key the database does not hold. It is written at every hourly
check and every archive to two places: an `AuditCheckpoint` row (append-only like the trail)
and a line appended to `checkpoints.jsonl` in the archive directory, beyond the database's
reach. `verify_audit` then requires the trail to reach the newest sealed checkpoint with the
same hash there; a checkpoint whose seal does not match was not written by the console.

This module reads checkpoints and seals them; writing one is `audit.services.checkpoints`.
"""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.signing import BadSignature, Signer

from audit.models import AuditCheckpoint

CHECKPOINT_FILE_NAME = "checkpoints.jsonl"
SEAL_SALT = "audit.checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    """Where the chain had reached, when, according to which record (a row or a file line)."""

    last_id: int
    last_hash: str
    written_at: datetime.datetime
    written_by: str
    source: str

    def describe(self) -> str:
        return f"the checkpoint of {self.written_at:%Y-%m-%d %H:%M %Z} ({self.written_by}, {self.source})"


@dataclass(frozen=True)
class CheckpointReading:
    """The newest checkpoint correctly sealed, each one that is not (named by where it is), and
    why the file could not be read, if it could not."""

    newest: Checkpoint | None
    unsealed: tuple[str, ...]
    file_error: str | None = None


def checkpoint_file(directory: Path | None = None) -> Path:
    return Path(directory or settings.AUDIT_ARCHIVE_DIR) / CHECKPOINT_FILE_NAME


def audit_checkpoint_read(directory: Path | None = None) -> CheckpointReading:
    """Every checkpoint on record, in the database and in the file, checked against its seal."""
    newest, unsealed = None, []
    rows = AuditCheckpoint.objects.order_by("id").values_list(
        "id", "last_id", "last_hash", "written_at", "written_by", "seal")
    for row_id, last_id, last_hash, written_at, written_by, seal in rows.iterator():
        checkpoint = Checkpoint(last_id, last_hash, written_at, written_by, source=f"checkpoint row #{row_id}")
        if _sealed(checkpoint, seal):
            newest = _newer(newest, checkpoint)
        else:
            unsealed.append(checkpoint.source)
    path = checkpoint_file(directory)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    except (OSError, UnicodeDecodeError) as error:
        return CheckpointReading(newest, tuple(unsealed), file_error=f"{path} cannot be read: {error}")
    for source, checkpoint, seal in _file_checkpoints(path, lines):
        if checkpoint is not None and _sealed(checkpoint, seal):
            newest = _newer(newest, checkpoint)
        else:
            unsealed.append(source)
    return CheckpointReading(newest, tuple(unsealed))


def _file_checkpoints(path: Path, lines: list[str]):
    """(where, checkpoint, seal) per line of the file; no checkpoint for a line that is not one."""
    for number, text in enumerate(lines, start=1):
        source = f"line {number} of {path}"
        try:
            line = json.loads(text)
            checkpoint = Checkpoint(int(line["last_id"]), str(line["last_hash"]),
                                    datetime.datetime.fromisoformat(line["written_at"]), str(line["written_by"]),
                                    source=source)
        except (ValueError, KeyError, TypeError):
            yield source, None, ""
        else:
            yield source, checkpoint, str(line.get("seal", ""))


def _newer(current: Checkpoint | None, candidate: Checkpoint) -> Checkpoint:
    return candidate if current is None or candidate.last_id > current.last_id else current


def checkpoint_seal(*, last_id: int, last_hash: str, written_at: datetime.datetime, written_by: str) -> str:
    """The seal of a checkpoint: its four values signed with `AUDIT_CHECKPOINT_KEY`."""
    return _signer().sign(_sealed_text(last_id, last_hash, written_at, written_by))


def _sealed(checkpoint: Checkpoint, seal: str) -> bool:
    expected = _sealed_text(checkpoint.last_id, checkpoint.last_hash, checkpoint.written_at, checkpoint.written_by)
    try:
        return _signer().unsign(seal) == expected
    except BadSignature:
        return False


def _sealed_text(last_id: int, last_hash: str, written_at: datetime.datetime, written_by: str) -> str:
    return json.dumps([last_id, last_hash, written_at.isoformat(), written_by], separators=(",", ":"))


def _signer() -> Signer:
    return Signer(key=settings.AUDIT_CHECKPOINT_KEY, salt=SEAL_SALT,
                  fallback_keys=settings.AUDIT_CHECKPOINT_KEY_FALLBACKS, algorithm="sha256")
