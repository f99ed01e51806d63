"""The periodic jobs Celery beat runs (CELERY_BEAT_SCHEDULE), run in the serving process when
there is no broker and so no beat (`make run`): the task-run sweep, the tickets' SLA states and
the audit chain's walk. What the pages show then stays true without a scheduler of its own.

Each job is the Celery task beat would send, executed here with Celery's own local call
(`Task.apply`); each runs once when the process starts serving, then at its interval.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)


class InProcessSchedule(threading.Thread):
    """Runs `schedule`'s jobs ({name: {"task": ..., "schedule": seconds}}, as beat reads them)
    in a daemon thread until `stop()`: each at once, then every `schedule` seconds after it ran."""

    def __init__(self, schedule: dict):
        super().__init__(name="periodic-jobs", daemon=True)
        self.jobs = {name: (entry["task"], float(entry["schedule"])) for name, entry in schedule.items()}
        self.stopped = threading.Event()
        self.runs: dict[str, int] = dict.fromkeys(self.jobs, 0)

    def run(self) -> None:
        from config.celery import app

        app.autodiscover_tasks(force=True)  # the apps' tasks modules, as a worker loads them
        due = dict.fromkeys(self.jobs, time.monotonic())
        while not self.stopped.is_set():
            for name, (task_name, interval) in self.jobs.items():
                if time.monotonic() >= due[name] and not self.stopped.is_set():
                    periodic_job_run(task_name)
                    self.runs[name] += 1
                    due[name] = time.monotonic() + interval
            self.stopped.wait(timeout=max(0.05, min(due.values()) - time.monotonic()))

    def stop(self) -> None:
        self.stopped.set()


def periodic_job_run(task_name: str) -> None:
    """One run of a beat job in this thread; a failure is logged, and the next run comes as
    planned: one job's failure must not stop the schedule."""
    from config.celery import app

    try:
        result = app.tasks[task_name].apply()
    except Exception:
        logger.exception("Periodic job %s could not run", task_name)
    else:
        if result.failed():
            logger.error("Periodic job %s failed: %s", task_name, result.result)
    finally:
        close_old_connections()


def periodic_jobs_start() -> InProcessSchedule | None:
    """Start the schedule in this process if PERIODIC_JOBS_IN_PROCESS says so (by default: when
    there is no broker, so no beat); the running schedule, or None."""
    if not settings.PERIODIC_JOBS_IN_PROCESS:
        return None
    schedule = InProcessSchedule(settings.CELERY_BEAT_SCHEDULE)
    schedule.start()
    return schedule
