"""Where a record's admin page is: the one place every screen, explanation and report links from."""

from django.urls import NoReverseMatch, reverse


def admin_change_url(*, app_label: str, model_name: str, pk) -> str | None:
    """The admin page of one object, or None for a model the admin does not show."""
    try:
        return reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    except NoReverseMatch:
        return None


def record_admin_url(record) -> str | None:
    meta = record._meta
    return admin_change_url(app_label=meta.app_label, model_name=meta.model_name, pk=record.pk)
