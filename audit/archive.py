"""The archive of the audit trail, read: its files' format and events, their checksums, and where
the on-line chain continues from once part of it is archived.

The trail keeps 12 months of events, the last 3 on-line (PCI DSS v4.0 10.5.1;
docs/decisions/0033-retention-of-the-audit-trail.md). An archive file is gzip JSON lines: a
manifest line, then one line per event with every field, hashes included; its SHA-256 is kept in
its `AuditArchive` row. Writing one is `audit.services.archive`.
"""

import datetime
import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from audit.models import AuditArchive

ONLINE_DAYS = 90  # three months stay in the database (PCI DSS 10.5.1: immediately available)
ARCHIVE_FORMAT = "opsconsole-audit-archive/1"
READ_BLOCK = 1 << 20


class AuditArchiveError(Exception):
    """Archiving stopped; nothing was deleted and no file was left."""


def archived_chain_head() -> tuple[int, str] | None:
    """The id and hash the on-line chain continues from, once part of it has been archived."""
    return AuditArchive.objects.order_by("-last_id").values_list("last_id", "last_hash").first()


def archive_file_events(path: Path) -> Iterator[dict]:
    """The events of an archive file, as `values()` rows, after checking its manifest line."""
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        manifest = json.loads(next(lines, "{}"))
        if manifest.get("archive") != ARCHIVE_FORMAT:
            raise AuditArchiveError(f"{path.name} is not an audit archive: its first line is not the manifest.")
        for line in lines:
            event = json.loads(line)
            event["occurred_at"] = datetime.datetime.fromisoformat(event["occurred_at"])
            yield event


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as archive_file:
        while block := archive_file.read(READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()
