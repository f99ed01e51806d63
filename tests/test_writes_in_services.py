"""Writes live in an app's services (`<app>/services.py` or a `services/` package); every other
module of an app reads, computes, or calls a service.

The check reads each module's source with `ast` and looks for the calls that write to the
database or lock rows for a write:
- `.save(…)`, `.bulk_create(…)`, `.bulk_update(…)`, `.get_or_create(…)`, `.update_or_create(…)`
  and `.select_for_update(…)` on anything;
- `.delete()` without a positional argument (a model's or a queryset's; a cache's `delete(key)`
  is not one);
- `.create(…)` on a manager named `objects`;
- `bulk_update_with_history(…)` and `bulk_create_with_history(…)`;
- `.update(…)` on a queryset: a chain through `.objects` or `._default_manager`, a call of
  `.filter(…)`, `.exclude(…)` or `.all()`, or a name ending in `queryset` (so a dict's `update`
  is not one).
Raw SQL and writes through a related manager (`ticket.pauses.create(…)`) are not seen.

Outside services, only migrations, management commands, Celery task modules (`tasks.py`) and
task modules (`<app>/ops/`) are left out, which run the writes they are for; a module that must
write for a reason of its own is in `WRITES_ALLOWED`, with the reason.
"""

import ast
from pathlib import Path

from django.conf import settings

APPS = ("accounts", "apilog", "audit", "batches", "payments", "support", "opsconsole", "search", "dashboard")

ALWAYS_WRITING = frozenset({"save", "bulk_create", "bulk_update", "get_or_create", "update_or_create",
                            "select_for_update"})
WRITING_FUNCTIONS = frozenset({"bulk_update_with_history", "bulk_create_with_history"})
MANAGERS = frozenset({"objects", "_default_manager"})
QUERYSET_METHODS = frozenset({"filter", "exclude", "all"})

# Modules outside services that write, each with why it may.
WRITES_ALLOWED: dict[str, str] = {
    "audit/models.py": "the append-only models' own save, which refuses a change and forces an INSERT",
    "batches/selectors.py": "a reprocess chunk's read locks the entries it then writes (lock=True, batches/ops)",
    "payments/selectors.py": "a resend chunk's read locks the callbacks it then writes (payments/ops)",
    "support/admin.py": "the ticket admin's save_formset hook saves the inlines that are not messages",
    "support/resources.py": "django-import-export's bulk hooks, which the import calls to write its rows",
    "support/tracker_imports/checking.py": "the tracker import's check step, in its package: only its own rows",
    "support/tracker_imports/writing.py": "the tracker import's own write step, inside its package",
    "opsconsole/roles.py": "the roles' own set-up: their groups, created at migration and by sync_roles",
    "opsconsole/tasking/permissions.py": "the tasks' own set-up: one permission per task, synced with the roles",
}


def _receivers(node: ast.expr):
    """`node` and each expression it is called or looked up on, outermost first."""
    while True:
        yield node
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        else:
            return


def _is_queryset(node: ast.expr) -> bool:
    for receiver in _receivers(node):
        if isinstance(receiver, ast.Attribute) and receiver.attr in MANAGERS:
            return True
        if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) \
                and receiver.func.attr in QUERYSET_METHODS:
            return True
        name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
        if name.endswith("queryset"):
            return True
    return False


def writes_in(source: str) -> list[tuple[int, str]]:
    """(line, the call as written) for each write call in a Python source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            writes = func.id in WRITING_FUNCTIONS
        elif isinstance(func, ast.Attribute):
            writes = (func.attr in ALWAYS_WRITING or func.attr in WRITING_FUNCTIONS
                      or (func.attr == "delete" and not node.args)
                      or (func.attr == "create" and isinstance(func.value, ast.Attribute)
                          and func.value.attr in MANAGERS)
                      or (func.attr == "update" and _is_queryset(func.value)))
        else:
            writes = False
        if writes:
            found.append((node.lineno, ast.unparse(func)))
    return found


def is_exempt(relative: Path) -> bool:
    """Services themselves, and the modules that exist to run writes: migrations, management
    commands, Celery task modules and task modules."""
    parts = relative.parts
    return ("services" in parts or relative.name == "services.py" or "migrations" in parts
            or "commands" in parts or relative.name == "tasks.py" or "ops" in parts)


def writes_outside_services() -> dict[str, list[str]]:
    """Every module of the apps, outside services and the exempt ones, with the writes it calls."""
    base = Path(settings.BASE_DIR)
    found = {}
    for app in APPS:
        for path in sorted((base / app).rglob("*.py")):
            relative = path.relative_to(base)
            if is_exempt(relative):
                continue
            if writes := writes_in(path.read_text(encoding="utf-8")):
                found[relative.as_posix()] = [f"{line}: {call}(…)" for line, call in writes]
    return found


def test_the_check_sees_each_kind_of_write():
    sample = "\n".join([
        "ticket.save(update_fields=['status'])",
        "Ticket.objects.create(subject='x')",
        "Ticket.objects.filter(pk=1).update(status='new')",
        "tickets.exclude(status='closed').update(needs_follow_up=True)",
        "open_queryset.update(status='new')",
        "Ticket._default_manager.update(status='new')",
        "bug.delete()",
        "Bug.objects.filter(pk=1).delete()",
        "TicketLink.objects.get_or_create(ticket=ticket)",
        "Ticket.objects.update_or_create(pk=1)",
        "Ticket.objects.bulk_create(tickets)",
        "Ticket.objects.bulk_update(tickets, ['status'])",
        "bulk_update_with_history(tickets, Ticket, ['status'])",
        "Ticket.objects.select_for_update().get(pk=1)",
    ])
    assert [line for line, _ in writes_in(sample)] == list(range(1, 15))


def test_the_check_leaves_reads_and_dicts_alone():
    sample = "\n".join([
        "fields.update(subject='x')",
        "defaults.update({'label': 'x'})",
        "cache.delete('key')",
        "Ticket.objects.filter(pk=1).exists()",
        "Ticket.objects.values_list('pk', flat=True)",
        "reader.create_view()",
    ])
    assert writes_in(sample) == []


def test_the_check_reads_every_app_and_leaves_services_out():
    assert is_exempt(Path("support/services/clocks.py")) and is_exempt(Path("accounts/services.py"))
    assert is_exempt(Path("support/ops/resend.py")) and is_exempt(Path("audit/management/commands/verify_audit.py"))
    assert not is_exempt(Path("support/clocks.py")) and not is_exempt(Path("audit/review.py"))
    assert all((Path(settings.BASE_DIR) / app).is_dir() for app in APPS)


def test_modules_outside_services_do_not_write():
    found = writes_outside_services()
    unexpected = {module: calls for module, calls in found.items() if module not in WRITES_ALLOWED}
    assert unexpected == {}, "writes outside services: move them to the app's services"
    assert set(WRITES_ALLOWED) - set(found) == set(), "no longer writing: take it off WRITES_ALLOWED"
