"""Every registered task, without its author writing these tests, must behave as the framework
promises: permission, no-write preview, clear refusals, an audit record, rollback, approval."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import TestCase
from simple_history.models import registered_models

from opsconsole.errors import OpsError
from opsconsole.models import TaskRun
from opsconsole.tasking.base import Risk
from opsconsole.tasking.history import change_reason_for
from opsconsole.tasking.registry import registry
from opsconsole.tasking.services import Origin, task_preview, task_run_approve, task_run_request
from tests.opsconsole.task_examples import TASK_EXAMPLES

ALL_TASKS = [task.slug for task in registry.all()]


@pytest.fixture
def runner(staff):
    """A staff user holding exactly the task's permission (and no approval rights)."""

    def with_permission_for(task):
        user = staff["nobody"]
        user.user_permissions.add(Permission.objects.get(
            content_type__app_label=task.model._meta.app_label, codename=task.permission_codename()))
        return type(user).objects.get(pk=user.pk)  # a fresh instance: permissions are cached per object

    return with_permission_for


def snapshot(model):
    return list(model.objects.order_by("pk").values())


def approver(staff):
    return staff["lead"]


def tracked_models() -> set:
    """Models with history; simple-history also registers the tables of tracked many-to-many fields."""
    return {model for model in registered_models.values() if hasattr(model, "history")}


def history_written() -> int:
    """Every write to a tracked record leaves a history row: their total tells whether anything was written."""
    return sum(model.history.model.objects.count() for model in tracked_models())


def history_of_run(run):
    return [row for model in tracked_models()
            for row in model.history.model.objects.filter(history_change_reason=change_reason_for(run))]


def request_run(task, user, example, *, target, **overrides):
    """Background runs are dispatched when the request commits; the test transaction never
    commits, so the on-commit callbacks are run when the request returns."""
    arguments = dict(slug=task.slug, target_id=target.pk, raw_params=example.good_params(target),
                     reason="Customer asked by phone", origin=Origin(user=user, source=TaskRun.Source.WEB))
    arguments.update(overrides)
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = task_run_request(**arguments)
    run.refresh_from_db()
    return run


def test_every_task_has_a_conformance_example():
    assert ALL_TASKS, "no task is registered"
    assert set(ALL_TASKS) <= set(TASK_EXAMPLES), f"tasks without an example: {set(ALL_TASKS) - set(TASK_EXAMPLES)}"


def test_every_task_has_its_own_permission(db):
    call_command("sync_roles", stdout=open("/dev/null", "w"))
    for task in registry.all():
        assert Permission.objects.filter(codename=task.permission_codename(),
                                         content_type__app_label=task.model._meta.app_label).exists()


@pytest.mark.parametrize("slug", ALL_TASKS)
class TestConformance:
    def test_denied_without_its_permission_and_the_refusal_is_recorded(self, slug, staff):
        task, example = registry.get(slug), TASK_EXAMPLES[slug]
        target = example.make_target()
        before = snapshot(task.model)
        run = request_run(task, staff["nobody"], example, target=target)
        assert run.status == TaskRun.Status.REJECTED
        assert "permission" in run.outcome
        assert snapshot(task.model) == before

    def test_preview_writes_nothing(self, slug, runner):
        task, example = registry.get(slug), TASK_EXAMPLES[slug]
        target, user = example.make_target(), runner(registry.get(slug))
        before, history_before = snapshot(task.model), history_written()
        preview = task_preview(slug=slug, target_id=target.pk, raw_params=example.good_params(target), user=user)
        assert preview.changes, "a preview must show what would change"
        assert snapshot(task.model) == before and history_written() == history_before
        assert not TaskRun.objects.exists()

    def test_bad_parameters_name_the_field_and_change_nothing(self, slug, runner):
        task, example = registry.get(slug), TASK_EXAMPLES[slug]
        if example.bad_params is None:
            assert not task.form_class().fields, "a task with parameters needs bad_params in its example"
            return
        target, user = example.make_target(), runner(task)
        before = snapshot(task.model)
        with pytest.raises(OpsError) as refusal:
            task_preview(slug=slug, target_id=target.pk, raw_params=example.bad_params, user=user)
        assert refusal.value.field == example.bad_field
        run = request_run(task, user, example, target=target, raw_params=example.bad_params)
        assert run.status == TaskRun.Status.REJECTED and run.outcome.startswith(f"{example.bad_field}: ")
        assert snapshot(task.model) == before

    def test_a_run_is_audited_with_its_diff_and_history(self, slug, runner):
        task, example = registry.get(slug), TASK_EXAMPLES[slug]
        target, user = example.make_target(), runner(task)
        history_before = history_written()
        run = request_run(task, user, example, target=target, ticket_reference="SUP-1")
        if task.risk == Risk.HIGH:
            assert run.status == TaskRun.Status.AWAITING_APPROVAL, "a high-risk run must wait for approval"
            assert history_written() == history_before
            return
        assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
        assert (run.requested_by, run.reason, run.ticket_reference) == (user, "Customer asked by phone", "SUP-1")
        assert run.diff and run.finished_at and run.duration_ms is not None
        rows = history_of_run(run)
        assert rows, "a run must leave history rows pointing at it"
        assert {row.history_user for row in rows} == {user}

    def test_an_exception_inside_execute_rolls_everything_back(self, slug, runner, staff, monkeypatch):
        task, example = registry.get(slug), TASK_EXAMPLES[slug]
        target, user = example.make_target(), runner(task)
        before, history_before = snapshot(task.model), history_written()
        hook = "execute_chunk" if task.runs_in_background else "execute"
        original = getattr(type(task), hook)

        def write_then_fail(self, *args):
            original(self, *args)
            raise RuntimeError("disk full")

        monkeypatch.setattr(type(task), hook, write_then_fail)
        run = request_run(task, user, example, target=target)
        if task.risk == Risk.HIGH:
            with TestCase.captureOnCommitCallbacks(execute=True):
                task_run_approve(run_id=run.pk, approver=approver(staff))
            run.refresh_from_db()
        assert run.status == TaskRun.Status.FAILED and "disk full" in run.outcome
        assert snapshot(task.model) == before and history_written() == history_before

    def test_a_missing_reason_is_refused(self, slug, runner):
        task, example = registry.get(slug), TASK_EXAMPLES[slug]
        target, user = example.make_target(), runner(task)
        run = request_run(task, user, example, target=target, reason="   ")
        assert run.status == TaskRun.Status.REJECTED and run.outcome.startswith("reason: ")

    def test_an_unknown_target_is_refused(self, slug, runner):
        task, example = registry.get(slug), TASK_EXAMPLES[slug]
        run = request_run(task, runner(task), example, target=example.make_target(), target_id=987654321)
        assert run.status == TaskRun.Status.REJECTED and run.outcome.startswith("target: There is no")

    def test_a_double_submit_applies_once(self, slug, runner):
        task, example = registry.get(slug), TASK_EXAMPLES[slug]
        target, user = example.make_target(), runner(task)
        first = request_run(task, user, example, target=target, idempotency_key="form-123")
        second = request_run(task, user, example, target=target, idempotency_key="form-123")
        assert first.pk == second.pk
        assert TaskRun.objects.count() == 1
