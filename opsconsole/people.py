"""How the console names a member of staff to the people reading a page: by their full name, the
way colleagues know them, and by their username only when no name is on record.

Every page, list column, message and answer that names a person goes through `person_name`;
screens where the username is the point (the sign-in steps, the audit trail's username filter)
say so and show it as such.
"""

from django.contrib import admin
from django.contrib.admin import RelatedFieldListFilter
from django.contrib.auth import get_user_model


def person_name(person) -> str:
    """`person`'s full name ("Olivia Lead"), or their username when they have no name on record."""
    return person.get_full_name().strip() or person.get_username()


def record_name(record) -> str:
    """What a page shows for a related record: a person by `person_name`, anything else as itself."""
    return person_name(record) if isinstance(record, get_user_model()) else str(record)


def person_column(field_name: str, *, description: str):
    """An admin list or detail column naming the person in the foreign key `field_name` (select it
    with the rows: `list_select_related`), or the admin's empty value when there is none."""

    @admin.display(description=description, ordering=field_name)
    def show(self, record):
        person = getattr(record, field_name)
        return person_name(person) if person is not None else None

    show.__name__ = f"{field_name}_name"
    return show


class PersonFilter(RelatedFieldListFilter):
    """A list filter on a foreign key to a person (`("assignee", PersonFilter)`) offering each
    person by `person_name`, in that order."""

    def field_choices(self, field, request, model_admin):
        people = field.related_model._default_manager.order_by("first_name", "last_name", "username")
        return [(person.pk, person_name(person)) for person in people]
