"""The console's admin site: unfold's, with what every page's context carries for the sidebar
built only when a page renders it.

Unfold's site builds two things into every page's context: the sidebar's groups of links
(`sidebar_navigation`) and Django's list of every model the person may open (`available_apps`,
which only the hidden "all applications" panel reads). Together they cost several milliseconds a
page. Here both are built on first use, and the sidebar's rendered links are reused from
opsconsole/sidebar_cache.py, so a page whose links come from there builds neither.

Its pages open only to a session whose sign-in passed the second factor, and its login page is
the first of the two steps of signing in (opsconsole/second_factor/).

Installed in place of unfold's own app config (settings.INSTALLED_APPS), which makes its site the
default one before any admin is registered.
"""

from urllib.parse import urlparse

from django.apps import AppConfig
from django.contrib import admin
from django.contrib.admin import sites
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.urls import get_script_prefix, reverse
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string
from django.utils.translation import get_language, gettext as _
from django.views.decorators.cache import never_cache
from unfold.sites import UnfoldAdminSite


class ConsoleAdminSite(UnfoldAdminSite):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The sidebar links' paths by URL prefix (one, in a deployment), with the navigation
        # they were resolved from: resolving them costs more than the rest of the sidebar's state.
        self._sidebar_link_paths: dict[str, tuple[list, tuple[str, ...]]] = {}

    def has_permission(self, request):
        """Django's rule (an active staff member), for a session whose sign-in passed the second
        factor: django-otp's middleware says so (opsconsole/second_factor/). Without it, no one."""
        is_verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and is_verified is not None and is_verified()

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        """Django's admin login page, with AdminSite.login's context and template, as the first
        step of signing in: a right password leads on to the second factor instead of signing
        the person in (opsconsole/second_factor/views.py)."""
        # Both need the models, which load after this module (an app config's).
        from django.contrib.admin.forms import AdminAuthenticationForm
        from opsconsole.second_factor.views import PasswordStepView

        index_path = reverse("admin:index", current_app=self.name)
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(index_path)
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = index_path
        context.update(extra_context or {})
        request.current_app = self.name
        return PasswordStepView.as_view(
            extra_context=context, authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
        )(request)

    def get_sidebar_list(self, request):
        """Unfold's sidebar groups, built when a template first reads them."""
        build = super().get_sidebar_list
        return SimpleLazyObject(lambda: build(request))

    def get_app_list(self, request, app_label=None):
        """Django's models by app, built when first read (a list in every other respect)."""
        build = super().get_app_list
        return SimpleLazyObject(lambda: build(request, app_label))

    def sidebar_state(self, request) -> tuple | None:
        """Everything the rendered sidebar links depend on for `request`: the URL prefix, the
        language, and for each link whether the person may open it and whether it is the page
        being shown, answered as unfold answers them. None when the navigation is configured in
        a way these answers do not cover (given by a callable, with callable links, or with
        tabs, which can highlight a link too): such a sidebar is rendered on every page."""
        navigation = self._get_config("SIDEBAR", request).get("navigation")
        if not isinstance(navigation, list) or self._get_config("TABS", request):
            return None
        items = [item for group in navigation for item in group["items"]]
        if any(callable(item.get("link")) for item in items):
            return None
        paths = self._link_paths(navigation, items)
        index_path = reverse(f"{self.name}:index")
        answers = tuple(
            (self._may_open(item.get("permission"), request),
             self._is_active_link(request, item, path, index_path))
            for item, path in zip(items, paths, strict=True)
        )
        return get_script_prefix(), get_language(), answers

    def _link_paths(self, navigation: list, items: list[dict]) -> tuple[str, ...]:
        prefix = get_script_prefix()
        resolved_for, paths = self._sidebar_link_paths.get(prefix, (None, ()))
        if resolved_for is not navigation:
            paths = tuple(urlparse(str(item.get("link") or "")).path for item in items)
            self._sidebar_link_paths[prefix] = (navigation, paths)
        return paths

    def _may_open(self, permission, request) -> bool:
        """Unfold's answer (UnfoldAdminSite._call_permission_callback) without the lazy wrapper
        it puts around each call, which builds a class every time: no permission callback means
        everyone; one that cannot be imported or called, or answers anything but True, no one."""
        if permission is None:
            return True
        if isinstance(permission, str):
            try:
                permission = import_string(permission)
            except ImportError:
                return False
        return callable(permission) and permission(request) == True  # noqa: E712 (unfold's comparison)

    def _is_active_link(self, request, item: dict, path: str, index_path: str) -> bool:
        """Unfold's rule (UnfoldAdminSite._get_is_active), with the link's path resolved once: a
        link's own `active` decides; else the dashboard's link is active on the dashboard only,
        any other link on every page under its path."""
        if "active" in item:
            return bool(self._get_value(item["active"], request))
        if path == index_path:
            return request.path == index_path
        return bool(path) and path in request.path


class UnfoldWithConsoleSite(AppConfig):
    """Unfold, with the console's site as the default admin site."""

    name = "unfold"

    def ready(self):
        site = ConsoleAdminSite()
        admin.site = site
        sites.site = site
