"""Verifying the audit trail and keeping what was found: `verify_audit` and the hourly job
(audit.tasks) walk the on-line chain (`audit.verification`), write a new checkpoint where it ends
when all is well (`audit.services.checkpoints`), and record every walk as an `AuditVerification`,
which the dashboard shows.
"""

from dataclasses import replace

from django.utils import timezone

from audit.models import AuditVerification
from audit.services.checkpoints import audit_checkpoint_write
from audit.verification import ChainCheck, audit_chain_check

PERIODIC_JOB = "periodic job"
CHECKPOINT_NOT_WRITTEN = ("Audit trail intact: {count} records checked, but its checkpoint could not be written "
                          "to {path}: {error}. Without it a trail cut short later cannot be told apart.")


def audit_chain_verify(*, checked_by: str) -> ChainCheck:
    """Walk the on-line trail, hold it against the newest checkpoint, write a new checkpoint
    where it ends when all is well, and record what was found (an `AuditVerification`)."""
    check = audit_chain_check()
    if check.intact:
        check = _checkpointed(check, written_by=checked_by)
    AuditVerification.objects.create(
        checked_at=timezone.now(), checked_by=checked_by[:150], intact=check.intact,
        events_checked=check.events_checked,
        first_broken_id=check.broken_link.record_id if check.broken_link else None, message=check.message,
    )
    return check


def _checkpointed(check: ChainCheck, *, written_by: str) -> ChainCheck:
    last_id, last_hash = check.end
    try:
        audit_checkpoint_write(last_id=last_id, last_hash=last_hash, written_by=written_by)
    except OSError as error:
        return replace(check, problem=CHECKPOINT_NOT_WRITTEN.format(
            count=check.events_checked, path=error.filename or "the archive directory", error=error.strerror or error))
    return check
