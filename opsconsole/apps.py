from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OpsConsoleConfig(AppConfig):
    name = "opsconsole"
    verbose_name = "Ops Console"

    def ready(self):
        from opsconsole.explaining.registry import discover_explanations
        from opsconsole.roles import sync_roles_after_migrate
        from opsconsole.tasking import history  # noqa: F401  (connects its signal receiver)
        from opsconsole.tasking.audit_events import supply_task_titles_to_the_trail
        from opsconsole.tasking.registry import discover_task_modules

        discover_task_modules()
        supply_task_titles_to_the_trail()
        discover_explanations()

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="opsconsole_sync_roles")
