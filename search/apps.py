from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self):
        from search.registry import registry

        # Each app's `search` module registers its own kinds.
        registry.fill_from_apps("search")
