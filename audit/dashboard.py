"""The audit trail's notice on the dashboard (dashboard/panels.py): for the people who may read
the chain's verifications, whether its latest walk found it intact, and an alarm when it found a
break or the hourly walk has stopped."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from audit.models import AuditEvent
from audit.verification import audit_verification_latest
from dashboard.panels import Panel, PanelContent, Placement, Viewing, register

# The chain is walked hourly (CELERY_BEAT_SCHEDULE); two hours without a walk means the job stopped.
AUDIT_VERIFICATION_DUE_WITHIN = datetime.timedelta(hours=2)


@dataclass(frozen=True)
class AuditTrailStatus(PanelContent):
    """The latest walk of the audit chain, as a sentence; `alert` when it needs someone now."""

    message: str
    alert: bool


def audit_trail_status(*, now: datetime.datetime) -> AuditTrailStatus:
    latest = audit_verification_latest()
    if latest is None:
        first_recorded = AuditEvent.objects.order_by("id").values_list("occurred_at", flat=True).first()
        if first_recorded is None or now - first_recorded <= AUDIT_VERIFICATION_DUE_WITHIN:
            due = (first_recorded or now) + AUDIT_VERIFICATION_DUE_WITHIN
            return AuditTrailStatus(message=f"The audit trail has not been checked yet: its first check is due by "
                                            f"{timezone.localtime(due):%a %d %b %Y, %H:%M %Z}.", alert=False)
        return AuditTrailStatus(message="The audit trail has never been verified: the hourly check has not run.",
                                alert=True)
    checked_at = f"{timezone.localtime(latest.checked_at):%a %d %b %Y, %H:%M %Z}"
    if not latest.intact:
        return AuditTrailStatus(message=f"{latest.message} (found {checked_at}).", alert=True)
    if now - latest.checked_at > AUDIT_VERIFICATION_DUE_WITHIN:
        return AuditTrailStatus(message=f"The audit trail has not been verified since {checked_at}: "
                                        "the hourly check is not running.", alert=True)
    return AuditTrailStatus(message=f"Audit trail verified at {checked_at}: {latest.events_checked:,} records intact.",
                            alert=False)


def audit_trail_notice(viewing: Viewing) -> AuditTrailStatus:
    return audit_trail_status(now=viewing.now)


register(Panel(name="audit-trail", permission="audit.view_auditverification", build=audit_trail_notice,
               template="audit/dashboard_audit_trail.html", order=50, placement=Placement.NOTICE))
