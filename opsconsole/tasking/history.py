"""Points every history row written during a task run at that run.

A signal is the right tool here: it is cross-cutting recording, and it spares each task's
author from passing the run into every save.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

_running = ContextVar("task_run_being_executed", default=None)


@contextmanager
def recording_history_for(run):
    token = _running.set(run)
    try:
        yield
    finally:
        _running.reset(token)


def change_reason_for(run) -> str:
    return f"Task run #{run.pk}: {run.task_title}"


@receiver(pre_create_historical_record, dispatch_uid="opsconsole_history_from_task_run")
def attribute_history_to_task_run(sender, history_instance, **kwargs):
    run = _running.get()
    if run is None:
        return
    history_instance.history_user_id = run.requested_by_id
    history_instance.history_change_reason = change_reason_for(run)
