from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from dashboard.panels import registry

        # As the admin finds admin.py: each app's `dashboard` module registers its own panels.
        # An app without one is passed over; an error inside one is raised.
        autodiscover_modules("dashboard")
        registry.freeze()
