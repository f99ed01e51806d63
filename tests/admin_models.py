"""The models the console's admin shows, found through Django's public admin API (`is_registered`,
`get_model_admin`), for the tests that go through every admin page."""

from django.apps import apps
from django.contrib import admin
from django.db.models import Model


def registered_models() -> list[type[Model]]:
    """Every model with pages in the admin, in the order of the installed apps."""
    return [model for model in apps.get_models() if admin.site.is_registered(model)]


def registered_admins() -> list[tuple[type[Model], admin.ModelAdmin]]:
    """Every model with pages in the admin, with its ModelAdmin."""
    return [(model, admin.site.get_model_admin(model)) for model in registered_models()]
