"""Task runs in the audit trail: one event for each step a run takes, written through the trail's
own `record_event` with what the trail keeps of the task (its risk, its slug, the run) as plain
values; and the tasks' titles, which the trail's screens show, supplied to it at start-up."""

from audit.models import AuditEvent
from audit.services.recording import record_event
from audit.task_titles import supply_task_titles
from opsconsole.models import TaskRun
from opsconsole.tasking.base import OpsTask, Risk
from opsconsole.tasking.registry import registry

FINISHED_ACTIONS = {
    TaskRun.Status.SUCCEEDED: AuditEvent.Action.TASK_SUCCEEDED,
    TaskRun.Status.REJECTED: AuditEvent.Action.TASK_REFUSED,
    TaskRun.Status.FAILED: AuditEvent.Action.TASK_FAILED,
    TaskRun.Status.DECLINED: AuditEvent.Action.TASK_DECLINED,
}
FAILURES = {AuditEvent.Action.TASK_REFUSED, AuditEvent.Action.TASK_FAILED}
DECISIONS = {AuditEvent.Action.TASK_APPROVED, AuditEvent.Action.TASK_DECLINED}


def record_task_run_event(run: TaskRun, action: str, *, request=None, actor=None, source: str = "") -> AuditEvent:
    """Decisions are the approver's; a step someone else takes on the run (a resume) names them as
    `actor`, from `source`; every other step is taken on the requester's behalf."""
    task = registry.get(run.task_slug)
    by_requester = action not in DECISIONS and actor is None
    actor = actor or (run.approver if action in DECISIONS else run.requested_by)
    return record_event(
        action, outcome=AuditEvent.Outcome.FAILURE if action in FAILURES else AuditEvent.Outcome.SUCCESS,
        actor=actor, source=source or _source(run, task, action), request=request,
        ip_address=run.ip_address if by_requester else None, user_agent=run.user_agent if by_requester else "",
        object_type=run.target_type, object_id=run.target_id, object_repr=run.target_repr,
        task_run=run, task_slug=run.task_slug, high_risk=bool(task and task.risk == Risk.HIGH),
        summary=_summary(run, action), details={"status": run.status, "reason": run.reason,
                                                "ticket": run.ticket_reference},
    )


def supply_task_titles_to_the_trail() -> None:
    """Tell the trail every registered task's title; called once the registry is filled."""
    supply_task_titles(lambda: [(task.slug, task.title) for task in registry.all()])


def _source(run: TaskRun, task: OpsTask | None, action: str) -> str:
    """A background run's steps after the request happen on a worker, not where it was asked."""
    if action != AuditEvent.Action.TASK_REQUESTED and task is not None and task.runs_in_background:
        return AuditEvent.Source.WORKER
    return run.source


def _summary(run: TaskRun, action: str) -> str:
    if action in DECISIONS:
        return f"{run.task_title}: {run.approval_comment or 'no comment'}"
    if action == AuditEvent.Action.TASK_REQUESTED:
        return f"{run.task_title}: {run.reason}"
    if action == AuditEvent.Action.TASK_RESUMED:
        return f"{run.task_title}: resumed after {run.progress_done:,} of {run.progress_total:,} done"
    return f"{run.task_title}: {run.outcome}"
