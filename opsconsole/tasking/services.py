"""Requesting, approving and executing task runs: the only write path to payment data.

Every request leaves a TaskRun, refused ones included. A run executes in one transaction with
its target row locked, so a failure leaves no partial write, and only a run still `queued`
executes, so a double submit or a redelivered message applies once.
"""

import logging
import time
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from opsconsole.errors import OpsError
from opsconsole.models import TaskRun
from opsconsole.tasking.base import FieldChange, OpsTask
from opsconsole.tasking.history import recording_history_for
from opsconsole.tasking.registry import registry

logger = logging.getLogger(__name__)

APPROVE_PERMISSION = "opsconsole.approve_taskrun"
REASON_REQUIRED = "A reason is required: say why this change is being made."
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


def _target(task: OpsTask, target_id, *, lock: bool = False):
    manager = task.model.objects.select_for_update() if lock else task.model.objects
    try:
        return manager.get(pk=target_id)
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
    target = _target(task, target_id)
    params = _clean_params(task, raw_params)
    task.validate(target, params)
    return Preview(task=task, target=target, params=params, changes=task.preview(target, params))


def _new_run(*, slug, target_id, raw_params, reason, ticket_reference, origin, idempotency_key) -> TaskRun:
    task = registry.get(slug)
    run = TaskRun(
        task_slug=slug, task_title=task.title if task else slug, target_id=str(target_id or ""),
        requested_by=origin.user, source=origin.source, ip_address=origin.ip_address,
        user_agent=origin.user_agent[:255], params=dict(raw_params), reason=reason.strip(),
        ticket_reference=ticket_reference.strip(), idempotency_key=idempotency_key,
    )
    if task:
        run.target_type = ContentType.objects.get_for_model(task.model)
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
    except OpsError as refusal:
        return _record_refusal(run, refusal)
    run.target_repr = str(preview.target)[:255]
    run.diff = [change.as_dict() for change in preview.changes]
    run.status = TaskRun.Status.AWAITING_APPROVAL if preview.needs_approval else TaskRun.Status.QUEUED
    try:
        run.save()
    except IntegrityError:  # the same idempotency key, submitted concurrently
        return TaskRun.objects.get(idempotency_key=idempotency_key)
    if run.status == TaskRun.Status.QUEUED:
        return task_run_execute(run_id=run.pk)
    return run


def _record_refusal(run: TaskRun, refusal: OpsError) -> TaskRun:
    run.status = TaskRun.Status.REJECTED
    run.outcome = str(refusal)
    run.finished_at = timezone.now()
    run.save()
    return run


def task_run_execute(*, run_id: int) -> TaskRun:
    """Execute a queued run once. Safe to call again for the same run: it then does nothing."""
    with transaction.atomic():
        run = TaskRun.objects.select_for_update().get(pk=run_id)
        if run.status != TaskRun.Status.QUEUED:
            return run
        run.status = TaskRun.Status.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])
    started = time.monotonic()
    try:
        run.outcome = _execute_in_one_transaction(run)
        run.status = TaskRun.Status.SUCCEEDED
    except OpsError as refusal:
        run.status, run.outcome = TaskRun.Status.REJECTED, str(refusal)
    except Exception as error:
        logger.exception("Task run %s failed", run.pk)
        run.status, run.outcome = TaskRun.Status.FAILED, f"{type(error).__name__}: {error}"
    run.finished_at = timezone.now()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save(update_fields=["status", "outcome", "finished_at", "duration_ms"])
    return run


def _execute_in_one_transaction(run: TaskRun) -> str:
    task = _task(run.task_slug)
    with transaction.atomic():
        target = _target(task, run.target_id, lock=True)
        params = _clean_params(task, run.params)
        task.validate(target, params)
        with recording_history_for(run):
            return task.execute(target, params, run)


def task_run_approve(*, run_id: int, approver, comment: str = "") -> TaskRun:
    """A second person approves a waiting run; it then executes as its requester."""
    with transaction.atomic():
        run = _awaiting_decision(run_id, approver)
        run.approver, run.decided_at, run.approval_comment = approver, timezone.now(), comment.strip()
        run.status = TaskRun.Status.QUEUED
        run.save(update_fields=["approver", "decided_at", "approval_comment", "status"])
    return task_run_execute(run_id=run.pk)


def task_run_decline(*, run_id: int, approver, comment: str) -> TaskRun:
    if not comment.strip():
        raise OpsError("Say why the request is declined.", field="comment")
    with transaction.atomic():
        run = _awaiting_decision(run_id, approver)
        run.approver, run.decided_at, run.approval_comment = approver, timezone.now(), comment.strip()
        run.status, run.outcome, run.finished_at = TaskRun.Status.DECLINED, f"Declined: {comment.strip()}", timezone.now()
        run.save()
    return run


def _awaiting_decision(run_id: int, approver) -> TaskRun:
    run = TaskRun.objects.select_for_update().get(pk=run_id)
    if run.status != TaskRun.Status.AWAITING_APPROVAL:
        raise OpsError(f"Run #{run.pk} is not awaiting approval: it is {run.get_status_display().lower()}.")
    if run.requested_by_id == approver.pk:
        raise OpsError(NO_SELF_APPROVAL)
    if not approver.has_perm(APPROVE_PERMISSION):
        raise OpsError("You do not have permission to approve task requests.", field="permission")
    return run
