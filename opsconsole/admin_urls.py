"""Where things are: a record's admin page, a task's page and a run's page, for every screen,
explanation and report that links to them."""

from functools import lru_cache
from urllib.parse import quote, urlencode

from django.apps import apps
from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

# Stands for the key in a change page's URL reversed once per model (`admin_change_url`).
KEY_PLACEHOLDER = "KEYPLACEHOLDER"


def admin_change_url(*, app_label: str, model_name: str, pk) -> str | None:
    """The admin page of one object, or None for a model the admin does not show.

    Lists and the search name a hundred objects a page: the URL is reversed once per model and
    the key filled in, quoted as `reverse` quotes it."""
    pattern = _change_url_pattern(app_label, model_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    key = str(pk)
    if pattern is None or not key:
        return None
    return pattern.replace(KEY_PLACEHOLDER, quote(key, safe=RFC3986_SUBDELIMS + "/~:@"))


def page_url(url_name: str) -> str:
    """`reverse(url_name)` for a URL without arguments, reversed once per process (for the script
    prefix and URLconf in use): the sidebar links thirty pages on every page."""
    return _page_url(url_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@lru_cache(maxsize=256)
def _page_url(url_name: str, script_prefix: str, urlconf: str) -> str:
    return reverse(url_name, urlconf=urlconf)


@lru_cache(maxsize=512)
def _change_url_pattern(app_label: str, model_name: str, script_prefix: str, urlconf: str) -> str | None:
    try:
        return reverse(f"admin:{app_label}_{model_name}_change", args=[KEY_PLACEHOLDER], urlconf=urlconf)
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
