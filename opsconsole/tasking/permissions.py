"""Each task has a permission of its own, on its model's app: `accounts.run_change_email`."""

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from opsconsole.tasking.registry import registry


def task_permissions_sync() -> list[Permission]:
    permissions = []
    for task in registry.all():
        content_type = ContentType.objects.get_for_model(task.model)
        permission, _ = Permission.objects.update_or_create(
            content_type=content_type, codename=task.permission_codename(),
            defaults={"name": f"Can run task: {task.title}"[:255]},
        )
        permissions.append(permission)
    return permissions
