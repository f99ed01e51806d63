from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        from search.registry import registry

        # As the admin finds admin.py: each app's `search` module registers the kinds it owns.
        # An app without one is passed over; an error inside one is raised.
        autodiscover_modules("search")
        registry.freeze()
