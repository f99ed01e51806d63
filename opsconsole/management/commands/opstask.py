"""Run tasks from the command line through the same permission, approval and audit path."""

import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from opsconsole.errors import OpsError
from opsconsole.models import TaskRun
from opsconsole.tasking.registry import registry
from opsconsole.tasking.services import Origin, task_preview, task_run_request


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

    def handle(self, *args, command, **options):
        if command == "list":
            return self.list_tasks()
        return self.run_task(**options)

    def list_tasks(self):
        for task in registry.all():
            self.stdout.write(f"{task.slug:28} {task.model._meta.label_lower:24} {task.risk:5} {task.title}")

    def run_task(self, *, slug, username, target, param, reason, ticket, dry_run, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--as: there is no active user called {username!r}.")
        raw_params = dict(param)
        if dry_run:
            return self.show_preview(slug=slug, target=target, raw_params=raw_params, user=user)
        run = task_run_request(
            slug=slug, target_id=target, raw_params=raw_params, reason=reason, ticket_reference=ticket,
            origin=Origin(user=user, source=TaskRun.Source.CLI, user_agent="manage.py opstask"),
            idempotency_key=f"cli-{uuid.uuid4()}",
        )
        if run.status in (TaskRun.Status.REJECTED, TaskRun.Status.FAILED, TaskRun.Status.DECLINED):
            raise CommandError(f"Run #{run.pk} {run.status}: {run.outcome}")
        self.stdout.write(f"Run #{run.pk} {run.status}: {run.outcome or 'waiting for a second person to approve.'}")

    def show_preview(self, *, slug, target, raw_params, user):
        try:
            preview = task_preview(slug=slug, target_id=target, raw_params=raw_params, user=user)
        except OpsError as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(f"{preview.task.title} on {preview.target} (dry run, nothing written):")
        for change in preview.changes:
            self.stdout.write(f"  {change.record} · {change.field}: {change.before!r} → {change.after!r}")
        if preview.needs_approval:
            self.stdout.write("  This run would need a second person's approval.")
