"""Requesting, approving and executing task runs: the only write path to payment data.

Every request leaves a TaskRun, refused ones included. A run executes in one transaction with
its target row locked, so a failure leaves no partial write, and only a run still `queued`
executes, so a double submit or a redelivered message applies once. The database holds at most
one active run of a conflict group on a target (`taskrun_one_active_per_target`), so two people
asking at once get one run, and the other a refusal naming it.

Rows are locked FOR NO KEY UPDATE: nothing here changes a key, and a stronger lock would make
every insert that refers to a locked run or target (a refusal naming the run in progress, checked
at commit) wait for it, and deadlock with the audit chain's lock.
"""

import datetime
import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditEvent
from opsconsole.errors import OpsError
from opsconsole.models import ACTIVE_RUN_STATUSES, TaskRun
from opsconsole.people import person_name
from opsconsole.platform_access import platform_id_of, restrict_to_user_platforms, user_may_see_object
from opsconsole.tasking.audit_events import FINISHED_ACTIONS, record_task_run_event
from opsconsole.tasking.base import Chunk, FieldChange, OpsTask
from opsconsole.tasking.history import recording_history_for
from opsconsole.tasking.registry import registry

logger = logging.getLogger(__name__)

APPROVE_PERMISSION = "opsconsole.approve_taskrun"
REASON_REQUIRED = "A reason is required: say why this change is being made."
TICKET_REFERENCE_MAX = TaskRun._meta.get_field("ticket_reference").max_length
TICKET_REFERENCE_TOO_LONG = f"A ticket reference is at most {TICKET_REFERENCE_MAX} characters."
NO_SELF_APPROVAL = "Nobody approves their own request: another person with approval rights must."
RUN_IN_PROGRESS = ("Run #{run_id} ({title}) is already {status} on this {kind}: a second run cannot start "
                   "until it has finished.")
REQUESTER_MAY_NO_LONGER_RUN = "{person}, who asked for this run, may no longer run {title!r}: nothing was changed."
REQUESTER_MAY_NO_LONGER_SEE = ("{person}, who asked for this run, may no longer see this {kind}'s platform: "
                               "nothing was changed.")
APPROVER_MAY_NO_LONGER_APPROVE = ("{person}, who approved this run, no longer holds approval rights for it: "
                                  "nothing was changed.")
RUNS_KEPT_STARTING = "Other runs kept starting on this object: try again in a moment."
NOT_RESUMABLE = "Run #{run_id} is {status}: only a failed background run can be resumed."
NOTHING_KEPT = "Nothing was changed."
WHAT_WAS_KEPT = ("What was kept: {done:,} of {total:,} {unit} worked through in {chunks:,} committed "
                 "chunk(s){counts}; the rest is untouched. Resume from where it stopped to carry on.")
# A dropped connection, a serialization failure, a lock or statement timeout, a database restarting:
# worth trying the same chunk again, which its transaction rolled back whole.
TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


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
    targets = task.model.objects.select_for_update(no_key=True) if lock else task.model.objects.all()
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
    task.validate_target(target)
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
        run.conflict_group = task.conflict_group_name()
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
    run.previewed_diff = run.diff = [change.as_dict() for change in preview.changes]
    run.status = TaskRun.Status.AWAITING_APPROVAL if preview.needs_approval else TaskRun.Status.QUEUED
    for _ in range(3):  # the run in the way may finish between the refusal and the look-up
        try:
            with transaction.atomic():
                run.save()
                record_task_run_event(run, AuditEvent.Action.TASK_REQUESTED)
                if run.status == TaskRun.Status.QUEUED and preview.task.runs_in_background:
                    transaction.on_commit(lambda: task_run_dispatch(run_id=run.pk))
            break
        except IntegrityError:
            if idempotency_key and (existing := TaskRun.objects.filter(idempotency_key=idempotency_key).first()):
                return existing  # the same submit, arrived twice at once
            if in_progress := task_run_in_progress(run):
                run.blocked_by = in_progress
                return _record_refusal(run, run_in_progress_refusal(in_progress))
    else:
        return _record_refusal(run, OpsError(RUNS_KEPT_STARTING))
    if run.status == TaskRun.Status.QUEUED and not preview.task.runs_in_background:
        return task_run_execute(run_id=run.pk)
    return run


def task_run_in_progress(run: TaskRun) -> TaskRun | None:
    """The active run that holds `run`'s target for its conflict group, other than `run` itself."""
    runs = TaskRun.objects.filter(target_type=run.target_type, target_id=run.target_id,
                                  conflict_group=run.conflict_group, status__in=ACTIVE_RUN_STATUSES)
    return runs.exclude(pk=run.pk).first() if run.pk else runs.first()


def run_in_progress_refusal(in_progress: TaskRun) -> OpsError:
    kind = in_progress.target_type.model_class()._meta.verbose_name if in_progress.target_type else "object"
    return OpsError(RUN_IN_PROGRESS.format(run_id=in_progress.pk, title=in_progress.task_title,
                                           status=in_progress.get_status_display().lower(), kind=kind))


def _record_refusal(run: TaskRun, refusal: OpsError) -> TaskRun:
    run.status = TaskRun.Status.REJECTED
    run.outcome = str(refusal)
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        record_task_run_event(run, AuditEvent.Action.TASK_REFUSED)
    return run


def task_run_dispatch(*, run_id: int) -> bool:
    """Hand a queued run to a worker: Celery when a broker is configured, else a thread of this
    process. Returns whether it was handed over. If the broker is down or hangs (every call to it
    is bounded by the CELERY_BROKER_* timeouts), the run stays queued with no dispatch time: its
    page says it waits for the queue, and the sweep dispatches it later."""
    runner = settings.TASK_RUNNER
    if runner == "inline":
        task_run_execute(run_id=run_id)
        TaskRun.objects.filter(pk=run_id, dispatched_at=None).update(dispatched_at=timezone.now())
        return True
    # Marked before the hand-over: the mark's UPDATE holds the row for a moment, and a worker whose
    # claim met that lock would skip the run (claims never wait) and leave it to the sweep.
    marked = TaskRun.objects.filter(pk=run_id, dispatched_at=None).update(dispatched_at=timezone.now())
    if runner == "thread":
        threading.Thread(target=_execute_in_thread, args=(run_id,), name=f"task-run-{run_id}", daemon=True).start()
        return True
    from opsconsole.tasks import execute_task_run

    try:
        execute_task_run.delay(run_id)
    except Exception as error:  # any broker failure: the run is safe in the database
        logger.warning("Could not reach the task queue for run %s (%s: %s); the sweep will dispatch it.",
                       run_id, type(error).__name__, error)
        if marked:
            TaskRun.objects.filter(pk=run_id).update(dispatched_at=None)
        return False
    return True


def _execute_in_thread(run_id: int) -> None:
    try:
        task_run_execute(run_id=run_id)
    finally:
        connection.close()  # this thread's own connection: nobody else will close it


def _stale_heartbeat_before() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.TASK_RUN_STALE_AFTER_SECONDS)


def _claim(run_id: int) -> TaskRun | None:
    """Take a run to execute: a queued one, or a running one whose worker stopped beating. A run
    whose row another worker holds is being executed right now, and is left to it."""
    with transaction.atomic():
        run = TaskRun.objects.select_for_update(skip_locked=True, no_key=True).filter(pk=run_id).first()
        if run is None:
            return None
        abandoned = run.status == TaskRun.Status.RUNNING and run.heartbeat_at < _stale_heartbeat_before()
        if run.status != TaskRun.Status.QUEUED and not abandoned:
            return None
        run.status, run.heartbeat_at, run.attempts = TaskRun.Status.RUNNING, timezone.now(), run.attempts + 1
        run.started_at = run.started_at or run.heartbeat_at
        run.save(update_fields=["status", "heartbeat_at", "attempts", "started_at"])
        return run


class _AttemptClock:
    """The time this attempt has worked on a run and not yet added to the run's duration, so
    that a run resumed by another worker counts every attempt."""

    def __init__(self):
        self.mark = time.monotonic()

    def add_to(self, run: TaskRun) -> None:
        now = time.monotonic()
        run.duration_ms = (run.duration_ms or 0) + int((now - self.mark) * 1000)
        self.mark = now


def task_run_execute(*, run_id: int) -> TaskRun:
    """Execute a queued run once. Safe to call again for the same run: it then does nothing,
    unless the run's worker died mid-way, in which case this resumes it from its checkpoint.

    Success is recorded in the same transaction as the task's last write, so a run is never
    applied without being marked succeeded, nor marked without being applied."""
    run = _claim(run_id)
    if run is None:
        return TaskRun.objects.get(pk=run_id)
    clock = _AttemptClock()
    try:
        task = _task(run.task_slug)
        if task.runs_in_background:
            return _execute_in_chunks(run, task, clock)
        return _execute_in_one_transaction(run, task, clock)
    except OpsError as refusal:
        return _finish_unfinished(run, TaskRun.Status.REJECTED, str(refusal), clock)
    except Exception as error:
        logger.exception("Task run %s failed", run.pk)
        return _finish_unfinished(run, TaskRun.Status.FAILED, f"{type(error).__name__}: {error}", clock)


def _still_this_attempt(current: TaskRun, attempt: TaskRun) -> bool:
    """Whether the run, read under its lock, is still the one this attempt claimed: not finished,
    and not taken over by a later attempt while this worker was presumed dead."""
    return current.status == TaskRun.Status.RUNNING and current.attempts == attempt.attempts


def _finish(run: TaskRun, status: str, outcome: str, clock: _AttemptClock, *, fields=()) -> TaskRun:
    run.status, run.outcome, run.finished_at = status, outcome, timezone.now()
    clock.add_to(run)
    with transaction.atomic():
        run.save(update_fields=["status", "outcome", "finished_at", "duration_ms", *fields])
        record_task_run_event(run, FINISHED_ACTIONS[status])
    return run


def _finish_unfinished(attempt: TaskRun, status: str, outcome: str, clock: _AttemptClock) -> TaskRun:
    """A refused or failed attempt, recorded on the run as its committed chunks left it, with what
    they kept; nothing, if a later attempt has taken the run over."""
    with transaction.atomic():
        current = TaskRun.objects.select_for_update(no_key=True).get(pk=attempt.pk)
        if not _still_this_attempt(current, attempt):
            return current
        task = registry.get(current.task_slug)
        if task is not None and task.runs_in_background:
            outcome = f"{outcome} {task_run_kept_summary(current, task)}"
        return _finish(current, status, outcome, clock)


def task_run_kept_summary(run: TaskRun, task: OpsTask) -> str:
    """What a background run's committed chunks did before it stopped: kept, as each chunk
    committed whole, while the rest is untouched."""
    if not run.chunks_committed:
        return NOTHING_KEPT
    counts = ", ".join(f"{count:,} {name}" for name, count in sorted(run.tally.items()))
    return WHAT_WAS_KEPT.format(done=run.progress_done, total=run.progress_total, unit=task.work_unit,
                                chunks=run.chunks_committed, counts=f" ({counts})" if counts else "")


def _people_still_allowed(run: TaskRun, task: OpsTask, target) -> None:
    """Raise OpsError unless, as the run executes, its requester still may run the task on the
    target, and its approver, if any, still may approve it: rights and platforms change while a
    run waits for approval or for a worker."""
    requester, kind = run.requested_by, task.model._meta.verbose_name
    if not requester.has_perm(task.permission_name()):  # False for a deactivated person too
        raise OpsError(REQUESTER_MAY_NO_LONGER_RUN.format(person=person_name(requester), title=task.title))
    if not user_may_see_object(requester, target):
        raise OpsError(REQUESTER_MAY_NO_LONGER_SEE.format(person=person_name(requester), kind=kind))
    approver = run.approver
    if approver is not None and not (approver.has_perm(APPROVE_PERMISSION) and user_may_see_object(approver, target)):
        raise OpsError(APPROVER_MAY_NO_LONGER_APPROVE.format(person=person_name(approver)))


def _execute_in_one_transaction(attempt: TaskRun, task: OpsTask, clock: _AttemptClock) -> TaskRun:
    """The run's row stays locked until the change commits with its success, so a duplicate
    message or the sweep leaves a live run alone."""
    with transaction.atomic():
        run = TaskRun.objects.select_for_update(no_key=True).get(pk=attempt.pk)
        if not _still_this_attempt(run, attempt):
            return run
        target = _target(task, run.target_id, lock=True)
        params = _clean_params(task, run.params)
        _people_still_allowed(run, task, target)
        task.validate_target(target)
        task.validate(target, params)
        run.diff = [change.as_dict() for change in task.preview(target, params)]
        with recording_history_for(run):
            outcome = task.execute(target, params, run)
        return _finish(run, TaskRun.Status.SUCCEEDED, outcome, clock, fields=["diff"])


def _execute_in_chunks(attempt: TaskRun, task: OpsTask, clock: _AttemptClock) -> TaskRun:
    """Each chunk commits with the run's checkpoint and tally, so none is applied twice. A
    transient database error rolls back the chunk it hit, which is tried again with backoff, up
    to TASK_RUN_TRANSIENT_RETRIES times in a row."""
    params = _clean_params(task, attempt.params)
    validated, failures_in_a_row = False, 0
    while True:
        try:
            with transaction.atomic():
                run = TaskRun.objects.select_for_update(no_key=True).get(pk=attempt.pk)
                if not _still_this_attempt(run, attempt):
                    return run
                target = _target(task, run.target_id, lock=True)
                if not validated:  # once per attempt: a resumed run may no longer be allowed
                    _people_still_allowed(run, task, target)
                    task.validate_target(target)
                    task.validate(target, params)
                if not run.chunks_committed:
                    run.progress_total = task.count_work(target, params)
                    run.diff = [change.as_dict() for change in task.preview(target, params)]
                with recording_history_for(run):
                    chunk = task.execute_chunk(target, params, run.checkpoint, run)
                    _record_chunk(run, chunk, clock)
                    run.save(update_fields=["checkpoint", "progress_done", "progress_total", "chunks_committed",
                                            "tally", "heartbeat_at", "duration_ms", "diff"])
                    if chunk.finished:
                        return _finish(run, TaskRun.Status.SUCCEEDED, task.finish(target, params, run), clock)
            validated, failures_in_a_row = True, 0
        except TRANSIENT_DATABASE_ERRORS as error:
            failures_in_a_row += 1
            if failures_in_a_row > settings.TASK_RUN_TRANSIENT_RETRIES:
                raise
            delay = settings.TASK_RUN_RETRY_BACKOFF_SECONDS * 2 ** (failures_in_a_row - 1)
            logger.warning("Task run %s: %s: %s; trying its chunk again in %.1f s (%d of %d).", attempt.pk,
                           type(error).__name__, error, delay, failures_in_a_row, settings.TASK_RUN_TRANSIENT_RETRIES)
            if not connection.in_atomic_block:
                connection.close()  # a broken connection is not reused; the next query opens a new one
            time.sleep(delay)


def _record_chunk(run: TaskRun, chunk: Chunk, clock: _AttemptClock) -> None:
    run.checkpoint = chunk.cursor
    run.progress_done += chunk.done
    run.chunks_committed += 1
    for name, count in chunk.tally.items():
        run.tally[name] = run.tally.get(name, 0) + count
    run.heartbeat_at = timezone.now()
    clock.add_to(run)


def task_runs_sweep() -> list[int]:
    """Dispatch runs that never reached a worker, or whose worker died, each at most once per
    TASK_RUN_DISPATCH_GRACE_SECONDS. A run whose row is locked is being executed, and is skipped
    without waiting. Returns the ids of the runs handed to a worker."""
    now = timezone.now()
    grace = now - datetime.timedelta(seconds=settings.TASK_RUN_DISPATCH_GRACE_SECONDS)
    undelivered = Q(status=TaskRun.Status.QUEUED, requested_at__lt=grace)
    abandoned = Q(status=TaskRun.Status.RUNNING, heartbeat_at__lt=_stale_heartbeat_before())
    not_dispatched_lately = Q(dispatched_at=None) | Q(dispatched_at__lt=grace)
    with transaction.atomic():
        due = TaskRun.objects.select_for_update(skip_locked=True, no_key=True).filter(
            (undelivered | abandoned) & not_dispatched_lately)
        run_ids = list(due.order_by("pk").values_list("pk", flat=True))
        TaskRun.objects.filter(pk__in=run_ids).update(dispatched_at=now)
    dispatched = []
    for position, run_id in enumerate(run_ids):
        if not task_run_dispatch(run_id=run_id):
            # The queue is down: the rest wait for the next sweep, each shown as not dispatched.
            TaskRun.objects.filter(pk__in=run_ids[position:], dispatched_at=now).update(dispatched_at=None)
            break
        dispatched.append(run_id)
    return dispatched


def task_run_is_resumable(run: TaskRun) -> bool:
    task = registry.get(run.task_slug)
    return run.status == TaskRun.Status.FAILED and task is not None and task.runs_in_background


def task_run_resume(*, run_id: int, user, request=None, source: str = "") -> TaskRun:
    """Carry a failed background run on from its last committed chunk, as its requester, for a
    person who may run its task. Refused while another run holds the target."""
    with transaction.atomic():
        run = TaskRun.objects.select_for_update(no_key=True).get(pk=run_id)
        if not user_may_see_object(user, run):
            raise OpsError(f"There is no task run #{run.pk}.")
        task = _task(run.task_slug)
        if not user.has_perm(task.permission_name()):
            raise OpsError(f"You do not have permission to run {task.title!r}.", field="permission")
        if not task_run_is_resumable(run):
            raise OpsError(NOT_RESUMABLE.format(run_id=run.pk, status=run.get_status_display().lower()))
        run.status, run.finished_at, run.dispatched_at = TaskRun.Status.QUEUED, None, None
        try:
            with transaction.atomic():
                run.save(update_fields=["status", "finished_at", "dispatched_at"])
        except IntegrityError:
            raise run_in_progress_refusal(task_run_in_progress(run)) from None
        source = source or (AuditEvent.Source.WEB if request is not None else AuditEvent.Source.SYSTEM)
        record_task_run_event(run, AuditEvent.Action.TASK_RESUMED, request=request, actor=user, source=source)
        transaction.on_commit(lambda: task_run_dispatch(run_id=run.pk))
    return run


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
        run.status, run.outcome, run.finished_at = (
            TaskRun.Status.DECLINED, f"Declined: {comment.strip()}", timezone.now())
        run.save()
        record_task_run_event(run, AuditEvent.Action.TASK_DECLINED, request=request)
    return run


def _awaiting_decision(run_id: int, approver) -> TaskRun:
    run = TaskRun.objects.select_for_update(no_key=True).get(pk=run_id)
    if not user_may_see_object(approver, run):
        raise OpsError(f"There is no task run #{run.pk}.")
    if run.status != TaskRun.Status.AWAITING_APPROVAL:
        raise OpsError(f"Run #{run.pk} is not awaiting approval: it is {run.get_status_display().lower()}.")
    if run.requested_by_id == approver.pk:
        raise OpsError(NO_SELF_APPROVAL)
    if not approver.has_perm(APPROVE_PERMISSION):
        raise OpsError("You do not have permission to approve task requests.", field="permission")
    return run
