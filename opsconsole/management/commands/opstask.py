"""Run tasks from the command line through the same permission, approval and audit path."""

import logging
import uuid
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from opsconsole.errors import OpsError
from opsconsole.models import TaskRun
from opsconsole.tasking import services
from opsconsole.tasking.base import diff_rows
from opsconsole.tasking.registry import registry
from opsconsole.tasking.services import Origin, task_preview, task_run_request, task_run_resume

QUEUE_DID_NOT_ANSWER = ("queued, but the task queue did not answer: the run is recorded and will start when the "
                        "queue is back.")
WAITING_FOR_APPROVAL = "awaiting approval: a second person with approval rights must approve it before it runs."
QUEUED_FOR_A_WORKER = "queued: a worker will start it shortly."


def run_state_line(run: TaskRun) -> str:
    """One true line on where a run stands, for someone who just asked for it."""
    if run.status == TaskRun.Status.AWAITING_APPROVAL:
        return f"Run #{run.pk} {WAITING_FOR_APPROVAL}"
    if run.status == TaskRun.Status.QUEUED:
        return f"Run #{run.pk} {QUEUED_FOR_A_WORKER if run.dispatched_at else QUEUE_DID_NOT_ANSWER}"
    if run.status == TaskRun.Status.RUNNING:
        return f"Run #{run.pk} running: {run.progress_done} of {run.progress_total or '?'} done."
    return f"Run #{run.pk} {run.status}: {run.outcome}"


class OneLineRecords(logging.Filter):
    """A failure is said once, in one line, by the command; its traceback only with --traceback."""

    def filter(self, record):
        record.exc_info = record.exc_text = None
        return True


@contextmanager
def one_line_log_records(enabled: bool):
    if not enabled:
        yield
        return
    one_line = OneLineRecords()
    services.logger.addFilter(one_line)
    try:
        yield
    finally:
        services.logger.removeFilter(one_line)


def parse_param(text: str) -> tuple[str, str]:
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise CommandError(f"--param must look like KEY=VALUE, not {text!r}.")
    return key, value


class Command(BaseCommand):
    help = "List tasks, or run one: opstask run SLUG --as USERNAME --target PK --param K=V --reason TEXT"

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        commands.add_parser("list", help="Every task, with its model and risk.")
        run = commands.add_parser("run", help="Run one task on one object.")
        run.add_argument("slug")
        run.add_argument("--as", dest="username", required=True, help="The staff user running it.")
        run.add_argument("--target", required=True, help="Primary key of the object to act on.")
        run.add_argument("--param", action="append", default=[], type=parse_param, help="KEY=VALUE, repeatable.")
        run.add_argument("--reason", default="", help="Why: required, kept in the audit record.")
        run.add_argument("--ticket", default="", help="The support ticket this resolves.")
        run.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")
        resume = commands.add_parser("resume", help="Carry a failed background run on from where it stopped.")
        resume.add_argument("run_id", type=int)
        resume.add_argument("--as", dest="username", required=True, help="The staff user resuming it.")

    def handle(self, *args, command, **options):
        if command == "list":
            return self.list_tasks()
        with one_line_log_records(not options["traceback"]):
            if command == "resume":
                return self.resume_run(**options)
            return self.run_task(**options)

    def list_tasks(self):
        for task in registry.all():
            self.stdout.write(f"{task.slug:28} {task.model._meta.label_lower:24} {task.risk:5} {task.title}")

    def resume_run(self, *, run_id, username, **options):
        user = self.active_user(username)
        if not TaskRun.objects.filter(pk=run_id).exists():
            raise CommandError(f"There is no task run #{run_id}.")
        try:
            run = task_run_resume(run_id=run_id, user=user, source=TaskRun.Source.CLI)
        except OpsError as refusal:
            raise CommandError(str(refusal)) from None
        run.refresh_from_db()
        self.stdout.write(run_state_line(run))

    def active_user(self, username: str):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--as: there is no active user called {username!r}.")
        return user

    def run_task(self, *, slug, username, target, param, reason, ticket, dry_run, **options):
        user = self.active_user(username)
        raw_params = dict(param)
        if dry_run:
            return self.show_preview(slug=slug, target=target, raw_params=raw_params, user=user)
        try:
            run = task_run_request(
                slug=slug, target_id=target, raw_params=raw_params, reason=reason, ticket_reference=ticket,
                origin=Origin(user=user, source=TaskRun.Source.CLI, user_agent="manage.py opstask"),
                idempotency_key=f"cli-{uuid.uuid4()}",
            )
        except OpsError as refusal:
            raise CommandError(str(refusal)) from None
        run.refresh_from_db()  # its dispatch, if any, happened after the request's commit
        if run.status in (TaskRun.Status.REJECTED, TaskRun.Status.FAILED, TaskRun.Status.DECLINED):
            raise CommandError(run_state_line(run))
        self.stdout.write(run_state_line(run))

    def show_preview(self, *, slug, target, raw_params, user):
        try:
            preview = task_preview(slug=slug, target_id=target, raw_params=raw_params, user=user)
        except OpsError as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(f"{preview.task.title} on {preview.target} (dry run, nothing written):")
        for change in diff_rows(preview.changes, preview.task.model):
            self.stdout.write(f"  {change['record']} · {change['label']}: {change['before']!r} → {change['after']!r}")
        if preview.needs_approval:
            self.stdout.write("  This run would need a second person's approval.")
