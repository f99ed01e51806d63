"""Celery adapters for the audit trail."""

import logging

from celery import shared_task

from audit.services.verification import PERIODIC_JOB, audit_chain_verify

logger = logging.getLogger(__name__)


@shared_task(name="audit.verify_audit_chain")
def verify_audit_chain() -> bool:
    """Hourly (CELERY_BEAT_SCHEDULE): walk the chain; the dashboard shows what it found."""
    check = audit_chain_verify(checked_by=PERIODIC_JOB)
    if not check.intact:
        logger.error(check.message)
    return check.intact
