"""Writing a checkpoint of where the chain had reached: a sealed line appended to the checkpoint
file outside the database, then an `AuditCheckpoint` row. Written at every intact verification
(`audit.services.verification`) and every archive (`audit.services.archive`); read and checked by
`audit.checkpoints`.
"""

import json
import os
from pathlib import Path

from django.utils import timezone

from audit.checkpoints import checkpoint_file, checkpoint_seal
from audit.models import AuditCheckpoint


def audit_checkpoint_write(*, last_id: int, last_hash: str, written_by: str, directory: Path | None = None) -> None:
    """Record that the chain reached `last_id` with `last_hash`: a line appended to the
    checkpoint file, synced to disk, then a row in the caller's transaction. Raises OSError when
    the file cannot be written: a checkpoint the database alone holds is no anchor."""
    written_at = timezone.now()
    written_by = written_by[:150]
    seal = checkpoint_seal(last_id=last_id, last_hash=last_hash, written_at=written_at, written_by=written_by)
    line = {"last_id": last_id, "last_hash": last_hash, "written_at": written_at.isoformat(),
            "written_by": written_by, "seal": seal}
    path = checkpoint_file(directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: the line goes after whatever is there, never over it.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, (json.dumps(line, separators=(",", ":")) + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    AuditCheckpoint.objects.create(written_at=written_at, written_by=written_by, last_id=last_id,
                                   last_hash=last_hash, seal=seal)
