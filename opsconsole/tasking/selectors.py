"""Reads for the task screens: which tasks a person may run, the object a task acts on, and
whether a person may decide a waiting run."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Model

from opsconsole.errors import OpsError
from opsconsole.models import TaskRun
from opsconsole.platform_access import restrict_to_user_platforms
from opsconsole.tasking.base import OpsTask
from opsconsole.tasking.registry import registry
from opsconsole.tasking.services import APPROVE_PERMISSION, task_run_is_resumable


def tasks_runnable_by(*, user, model: type[Model]) -> list[OpsTask]:
    """The registered tasks on `model` whose permission `user` holds, in slug order."""
    return [task for task in registry.for_model(model) if user.has_perm(task.permission_name())]


@dataclass(frozen=True)
class TaskOffer:
    """A task as an object's page offers it: to run, or disabled because it cannot apply there."""

    task: OpsTask
    # Why it cannot apply to the object, in the task's own words (its `validate_target`); empty
    # when it can.
    refusal: str = ""


def tasks_offered_on(*, user, target: Model) -> list[TaskOffer]:
    """The tasks `tasks_runnable_by` gives `user` on `target`'s model, each with the refusal its
    `validate_target` gives for `target`, if any."""
    offers = []
    for task in tasks_runnable_by(user=user, model=type(target)):
        try:
            task.validate_target(target)
        except OpsError as refusal:
            offers.append(TaskOffer(task, refusal.message))
        else:
            offers.append(TaskOffer(task))
    return offers


def task_target(*, task: OpsTask, target_id, user) -> Model | None:
    """The object the task would act on, or None when there is no such object or it is on a
    platform `user` may not see."""
    try:
        return restrict_to_user_platforms(task.model.objects.all(), user).get(pk=target_id)
    except (task.model.DoesNotExist, ValidationError, ValueError, TypeError):
        return None


def task_run_awaits_decision_by(*, run: TaskRun, user) -> bool:
    """Whether `user` may approve or decline `run` now: it waits, they hold approval rights, and
    it is not their own request (the service checks all three again when they decide)."""
    return (
        run.status == TaskRun.Status.AWAITING_APPROVAL
        and run.requested_by_id != user.pk
        and user.has_perm(APPROVE_PERMISSION)
    )


def task_run_resumable_by(*, run: TaskRun, user) -> bool:
    """Whether `user` may carry `run` on from where it stopped: a failed background run, and they
    hold its task's permission (the service checks again when they do)."""
    task = registry.get(run.task_slug)
    return task_run_is_resumable(run) and user.has_perm(task.permission_name())


def task_run_waits_for_queue(*, run: TaskRun) -> bool:
    """A queued background run that no worker has been handed: the task queue did not answer
    when it was dispatched, and the sweep will dispatch it once the queue is back."""
    task = registry.get(run.task_slug)
    return (run.status == TaskRun.Status.QUEUED and run.dispatched_at is None
            and task is not None and task.runs_in_background)
