from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self):
        from dashboard.panels import registry

        # Each app's `dashboard` module registers its own panels.
        registry.fill_from_apps("dashboard")
