"""Requesting, approving and executing task runs: the only write path to payment data.

Every request leaves a TaskRun, refused ones included. A run executes in one transaction with
its target row locked, so a failure leaves no partial write, and only a run still `queued`
executes, so a double submit or a redelivered message applies once.
"""

import datetime
import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditEvent
from audit.task_events import FINISHED_ACTIONS, record_task_run_event
from opsconsole.errors import OpsError
from opsconsole.models import TaskRun
from opsconsole.platform_access import platform_id_of, restrict_to_user_platforms, user_may_see_object
from opsconsole.tasking.base import Chunk, FieldChange, OpsTask
from opsconsole.tasking.history import recording_history_for
from opsconsole.tasking.registry import registry

logger = logging.getLogger(__name__)

APPROVE_PERMISSION = "opsconsole.approve_taskrun"
REASON_REQUIRED = "A reason is required: say why this change is being made."
TICKET_REFERENCE_MAX = TaskRun._meta.get_field("ticket_reference").max_length
TICKET_REFERENCE_TOO_LONG = f"A ticket reference is at most {TICKET_REFERENCE_MAX} characters."
NO_SELF_APPROVAL = "Nobody approves their own request: another person with approval rights must."


@dataclass
class Origin:
    """Who asked, and from where."""

    user: object
    source: str
    ip_address: str | None = None
    user_agent: str = ""


@dataclass
class Preview:
    task: OpsTask
    target: object
    params: dict
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def needs_approval(self) -> bool:
        return self.task.requires_approval(self.target, self.params)


def _task(slug: str) -> OpsTask:
    task = registry.get(slug)
    if task is None:
        raise OpsError(f"There is no task called {slug!r}.", field="task")
    return task


def _target(task: OpsTask, target_id, *, lock: bool = False, user=None):
    """The object the task acts on. With `user`, only one of the platforms they may see: any
    other is refused exactly like a missing object, so that nobody learns it exists."""
    targets = task.model.objects.select_for_update() if lock else task.model.objects.all()
    if user is not None:
        targets = restrict_to_user_platforms(targets, user)
    try:
        return targets.get(pk=target_id)
    except (task.model.DoesNotExist, ValueError, TypeError):
        raise OpsError(f"There is no {task.model._meta.verbose_name} with id {target_id}.", field="target") from None


def _clean_params(task: OpsTask, raw_params: dict) -> dict:
    form = task.form_class(data=raw_params)
    if form.is_valid():
        return form.cleaned_data
    name, errors = next(iter(form.errors.items()))
    label = name if name != "__all__" else "parameters"
    raise OpsError(" ".join(errors), field=label)


def task_preview(*, slug: str, target_id, raw_params: dict, user) -> Preview:
    """Everything short of running: permission, target, parameters, the task's rules, the diff.
    Writes nothing; raises OpsError with the first problem found."""
    task = _task(slug)
    if not user.has_perm(task.permission_name()):
        raise OpsError(f"You do not have permission to run {task.title!r}.", field="permission")
    target = _target(task, target_id, user=user)
    params = _clean_params(task, raw_params)
    task.validate(target, params)
    return Preview(task=task, target=target, params=params, changes=task.preview(target, params))


def _new_run(*, slug, target_id, raw_params, reason, ticket_reference, origin, idempotency_key) -> TaskRun:
    task = registry.get(slug)
    run = TaskRun(
        task_slug=slug[:64], task_title=task.title if task else slug[:200], target_id=str(target_id or "")[:64],
        requested_by=origin.user, source=origin.source, ip_address=origin.ip_address,
        user_agent=origin.user_agent[:255], params=dict(raw_params), reason=reason.strip(),
        ticket_reference=ticket_reference.strip(), idempotency_key=idempotency_key,
    )
    if task:
        run.target_type = ContentType.objects.get_for_model(task.model)
        # Recorded even when the requester may not see it: the run belongs to that platform.
        run.platform_id = platform_id_of(task.model, target_id)
    return run


def task_run_request(*, slug: str, target_id, raw_params: dict, reason: str, origin: Origin,
                     ticket_reference: str = "", idempotency_key: str | None = None) -> TaskRun:
    """Ask for a run. Refusals are recorded as `rejected` runs with the reason; a high-risk run
    waits for approval; anything else executes now. A repeated idempotency key returns the
    first run instead of starting another."""
    if idempotency_key and (existing := TaskRun.objects.filter(idempotency_key=idempotency_key).first()):
        return existing
    run = _new_run(slug=slug, target_id=target_id, raw_params=raw_params, reason=reason,
                   ticket_reference=ticket_reference, origin=origin, idempotency_key=idempotency_key)
    try:
        preview = task_preview(slug=slug, target_id=target_id, raw_params=raw_params, user=origin.user)
        if not run.reason:
            raise OpsError(REASON_REQUIRED, field="reason")
        if len(run.ticket_reference) > TICKET_REFERENCE_MAX:
            run.ticket_reference = run.ticket_reference[:TICKET_REFERENCE_MAX]  # the refusal is still recorded
            raise OpsError(TICKET_REFERENCE_TOO_LONG, field="ticket_reference")
    except OpsError as refusal:
        return _record_refusal(run, refusal)
    run.target_repr = str(preview.target)[:255]
    run.diff = [change.as_dict() for change in preview.changes]
    run.status = TaskRun.Status.AWAITING_APPROVAL if preview.needs_approval else TaskRun.Status.QUEUED
    try:
        with transaction.atomic():
            run.save()
            record_task_run_event(run, AuditEvent.Action.TASK_REQUESTED)
            if run.status == TaskRun.Status.QUEUED and preview.task.runs_in_background:
                transaction.on_commit(lambda: task_run_dispatch(run_id=run.pk))
    except IntegrityError:  # the same idempotency key, submitted concurrently
        return TaskRun.objects.get(idempotency_key=idempotency_key)
    if run.status == TaskRun.Status.QUEUED and not preview.task.runs_in_background:
        return task_run_execute(run_id=run.pk)
    return run


def _record_refusal(run: TaskRun, refusal: OpsError) -> TaskRun:
    run.status = TaskRun.Status.REJECTED
    run.outcome = str(refusal)
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        record_task_run_event(run, AuditEvent.Action.TASK_REFUSED)
    return run


def task_run_dispatch(*, run_id: int) -> None:
    """Hand a queued background run to a worker: Celery when a broker is configured, else a
    thread of this process. If the broker is down the run stays queued for the sweep."""
    runner = settings.TASK_RUNNER
    if runner == "inline":
        task_run_execute(run_id=run_id)
    elif runner == "thread":
        threading.Thread(target=_execute_in_thread, args=(run_id,), name=f"task-run-{run_id}", daemon=True).start()
    else:
        from opsconsole.tasks import execute_task_run

        try:
            execute_task_run.delay(run_id)
        except Exception:  # any broker failure: the run is safe in the database
            logger.warning("Could not reach the broker for task run %s; the sweep will retry.", run_id, exc_info=True)
            return
    TaskRun.objects.filter(pk=run_id, dispatched_at=None).update(dispatched_at=timezone.now())


def _execute_in_thread(run_id: int) -> None:
    try:
        task_run_execute(run_id=run_id)
    finally:
        connection.close()  # this thread's own connection: nobody else will close it


def _stale_heartbeat_before() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.TASK_RUN_STALE_AFTER_SECONDS)


def _claim(run_id: int) -> TaskRun | None:
    """Take a run to execute: a queued one, or a running one whose worker stopped beating."""
    with transaction.atomic():
        run = TaskRun.objects.select_for_update().get(pk=run_id)
        task = registry.get(run.task_slug)
        abandoned = (run.status == TaskRun.Status.RUNNING and task is not None and task.runs_in_background
                     and run.heartbeat_at < _stale_heartbeat_before())
        if run.status != TaskRun.Status.QUEUED and not abandoned:
            return None
        run.status, run.heartbeat_at, run.attempts = TaskRun.Status.RUNNING, timezone.now(), run.attempts + 1
        run.started_at = run.started_at or run.heartbeat_at
        run.save(update_fields=["status", "heartbeat_at", "attempts", "started_at"])
        return run


def task_run_execute(*, run_id: int) -> TaskRun:
    """Execute a queued run once. Safe to call again for the same run: it then does nothing,
    unless the run's worker died mid-way, in which case this resumes it from its checkpoint.

    Success is recorded in the same transaction as the task's last write, so a run is never
    applied without being marked succeeded, nor marked without being applied."""
    run = _claim(run_id)
    if run is None:
        return TaskRun.objects.get(pk=run_id)
    started = time.monotonic()
    try:
        task = _task(run.task_slug)
        if task.runs_in_background:
            return _execute_in_chunks(run, task, started)
        return _execute_in_one_transaction(run, task, started)
    except OpsError as refusal:
        return _finish(run, TaskRun.Status.REJECTED, str(refusal), started)
    except Exception as error:
        logger.exception("Task run %s failed", run.pk)
        return _finish(run, TaskRun.Status.FAILED, f"{type(error).__name__}: {error}", started)


def _finish(run: TaskRun, status: str, outcome: str, started: float) -> TaskRun:
    run.status, run.outcome, run.finished_at = status, outcome, timezone.now()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        run.save(update_fields=["status", "outcome", "finished_at", "duration_ms"])
        record_task_run_event(run, FINISHED_ACTIONS[status])
    return run


def _execute_in_one_transaction(run: TaskRun, task: OpsTask, started: float) -> TaskRun:
    with transaction.atomic():
        target = _target(task, run.target_id, lock=True)
        params = _clean_params(task, run.params)
        task.validate(target, params)
        with recording_history_for(run):
            outcome = task.execute(target, params, run)
        return _finish(run, TaskRun.Status.SUCCEEDED, outcome, started)


def _execute_in_chunks(run: TaskRun, task: OpsTask, started: float) -> TaskRun:
    """Each chunk commits with the run's checkpoint and tally, so none is applied twice."""
    params = _clean_params(task, run.params)
    if run.checkpoint is None:
        target = _target(task, run.target_id)
        task.validate(target, params)
        TaskRun.objects.filter(pk=run.pk).update(progress_total=task.count_work(target, params))
    while True:
        with transaction.atomic():
            current = TaskRun.objects.select_for_update().get(pk=run.pk)
            target = _target(task, run.target_id, lock=True)
            with recording_history_for(current):
                chunk = task.execute_chunk(target, params, current.checkpoint, current)
                _record_chunk(current, chunk)
                current.save(update_fields=["checkpoint", "progress_done", "tally", "heartbeat_at"])
                if chunk.finished:
                    return _finish(current, TaskRun.Status.SUCCEEDED, task.finish(target, params, current), started)


def _record_chunk(run: TaskRun, chunk: Chunk) -> None:
    run.checkpoint = chunk.cursor
    run.progress_done += chunk.done
    for name, count in chunk.tally.items():
        run.tally[name] = run.tally.get(name, 0) + count
    run.heartbeat_at = timezone.now()


def task_runs_sweep() -> list[int]:
    """Re-dispatch background runs that never reached a worker, or whose worker died."""
    grace = timezone.now() - datetime.timedelta(seconds=settings.TASK_RUN_DISPATCH_GRACE_SECONDS)
    undelivered = Q(status=TaskRun.Status.QUEUED, requested_at__lt=grace) & (
        Q(dispatched_at=None) | Q(dispatched_at__lt=grace))
    abandoned = Q(status=TaskRun.Status.RUNNING, heartbeat_at__lt=_stale_heartbeat_before())
    background = [task.slug for task in registry.all() if task.runs_in_background]
    run_ids = list(TaskRun.objects.filter(undelivered | abandoned, task_slug__in=background).values_list("pk", flat=True))
    for run_id in run_ids:
        TaskRun.objects.filter(pk=run_id).update(dispatched_at=None)
        task_run_dispatch(run_id=run_id)
    return run_ids


def task_run_approve(*, run_id: int, approver, comment: str = "", request=None) -> TaskRun:
    """A second person approves a waiting run; it then executes as its requester. `request`,
    when there is one, says where the decision came from."""
    with transaction.atomic():
        run = _awaiting_decision(run_id, approver)
        run.approver, run.decided_at, run.approval_comment = approver, timezone.now(), comment.strip()
        run.status = TaskRun.Status.QUEUED
        run.save(update_fields=["approver", "decided_at", "approval_comment", "status"])
        record_task_run_event(run, AuditEvent.Action.TASK_APPROVED, request=request)
        if _task(run.task_slug).runs_in_background:
            transaction.on_commit(lambda: task_run_dispatch(run_id=run.pk))
            return run
    return task_run_execute(run_id=run.pk)


def task_run_decline(*, run_id: int, approver, comment: str, request=None) -> TaskRun:
    if not comment.strip():
        raise OpsError("Say why the request is declined.", field="comment")
    with transaction.atomic():
        run = _awaiting_decision(run_id, approver)
        run.approver, run.decided_at, run.approval_comment = approver, timezone.now(), comment.strip()
        run.status, run.outcome, run.finished_at = TaskRun.Status.DECLINED, f"Declined: {comment.strip()}", timezone.now()
        run.save()
        record_task_run_event(run, AuditEvent.Action.TASK_DECLINED, request=request)
    return run


def _awaiting_decision(run_id: int, approver) -> TaskRun:
    run = TaskRun.objects.select_for_update().get(pk=run_id)
    if not user_may_see_object(approver, run):
        raise OpsError(f"There is no task run #{run.pk}.")
    if run.status != TaskRun.Status.AWAITING_APPROVAL:
        raise OpsError(f"Run #{run.pk} is not awaiting approval: it is {run.get_status_display().lower()}.")
    if run.requested_by_id == approver.pk:
        raise OpsError(NO_SELF_APPROVAL)
    if not approver.has_perm(APPROVE_PERMISSION):
        raise OpsError("You do not have permission to approve task requests.", field="permission")
    return run
