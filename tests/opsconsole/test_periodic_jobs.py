"""Without a broker there is no beat, and the serving process runs beat's schedule itself: each
job once as it starts serving, then at its interval, so a ticket long past its target reads
"breached" and the audit chain is walked without a scheduler (`make run`)."""

import datetime
import time

import pytest
from django.conf import settings
from django.utils import timezone

from audit.dashboard import audit_trail_status
from audit.models import AuditEvent, AuditVerification
from audit.services.recording import record_event
from opsconsole.periodic_jobs import InProcessSchedule, periodic_jobs_start
from support.models import Priority
from tests.support.test_tickets import new_ticket


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the periodic jobs did not run"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_the_serving_process_runs_beats_jobs_at_start_and_then_at_their_interval():
    long_late = new_ticket(priority=Priority.URGENT, created_at=timezone.now() - datetime.timedelta(days=30))
    assert (long_late.first_response_sla, long_late.resolution_sla) == ("on_track", "on_track")
    record_event(AuditEvent.Action.EXPORT, actor_name="auditor", summary="an export")
    schedule = {**settings.CELERY_BEAT_SCHEDULE,
                "sweep-task-runs": {**settings.CELERY_BEAT_SCHEDULE["sweep-task-runs"], "schedule": 0.2}}

    jobs = InProcessSchedule(schedule)
    jobs.start()
    try:
        wait_until(lambda: all(jobs.runs.values()) and jobs.runs["sweep-task-runs"] >= 3)
    finally:
        jobs.stop()
        jobs.join(timeout=30)
    assert set(jobs.runs) == set(settings.CELERY_BEAT_SCHEDULE)
    assert jobs.runs["refresh-ticket-slas"] == jobs.runs["verify-audit-chain"] == 1  # hourly or so: once so far
    long_late.refresh_from_db()
    assert (long_late.first_response_sla, long_late.resolution_sla) == ("breached", "breached")
    assert AuditVerification.objects.get().intact


def test_the_schedule_runs_in_process_only_where_there_is_no_beat(settings):
    settings.PERIODIC_JOBS_IN_PROCESS = False
    assert periodic_jobs_start() is None


def test_a_trail_not_checked_yet_is_said_so_quietly_until_its_first_check_is_due(db):
    record_event(AuditEvent.Action.EXPORT, actor_name="auditor", summary="an export")
    status = audit_trail_status(now=timezone.now())
    assert status.message.startswith("The audit trail has not been checked yet: its first check is due by")
    assert not status.alert
    later = audit_trail_status(now=timezone.now() + datetime.timedelta(hours=3))
    assert later.alert and later.message.startswith("The audit trail has never been verified")
