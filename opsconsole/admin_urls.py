"""Where things are: a record's admin page, a task's page and a run's page, for every screen,
explanation and report that links to them."""

from urllib.parse import urlencode

from django.apps import apps
from django.urls import NoReverseMatch, reverse


def admin_change_url(*, app_label: str, model_name: str, pk) -> str | None:
    """The admin page of one object, or None for a model the admin does not show."""
    try:
        return reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    except NoReverseMatch:
        return None


def admin_history_url(*, app_label: str, model_name: str, pk) -> str | None:
    """The field-by-field history of one object (django-simple-history), each change naming the
    task run or the person behind it; None for a model that keeps no such history."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return None
    if not hasattr(model._meta, "simple_history_manager_attribute"):
        return None
    try:
        return reverse(f"admin:{app_label}_{model_name}_history", args=[pk])
    except NoReverseMatch:
        return None


def record_admin_url(record) -> str | None:
    meta = record._meta
    return admin_change_url(app_label=meta.app_label, model_name=meta.model_name, pk=record.pk)


def task_page_url(*, slug: str, target_id, **query) -> str:
    """The task page for one object; `query` pre-fills the parameters (a ticket's link)."""
    url = reverse("task-page", kwargs={"slug": slug, "target_id": target_id})
    return f"{url}?{urlencode(query)}" if query else url


def run_page_url(run) -> str:
    return reverse("admin:opsconsole_taskrun_change", args=[run.pk])
