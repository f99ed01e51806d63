"""The console's admin site: unfold's, with Django's list of every model built only when a page
reads it, open only to a session whose sign-in passed the second factor.

Unfold's site puts Django's list of every model the person may open (`available_apps`) into
every page's context, as Django's does, though only unfold's "all applications" panel reads it
and the console hides that panel (`UNFOLD["SIDEBAR"]["show_all_applications"]`). Building it
asks every registered admin for the person's permissions, so here it is built when first read:
on the pages that show it (the dashboard, an app's index), never on the others.

Its login page is the first of the two steps of signing in (opsconsole/second_factor/).

Installed as Django documents for a custom default site: `ConsoleAdminConfig` stands in
INSTALLED_APPS where `django.contrib.admin` would, with unfold installed through its
`BasicAppConfig`, which leaves the default site to the admin app's `default_site`.
"""

from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from unfold.sites import UnfoldAdminSite


class ConsoleAdminSite(UnfoldAdminSite):
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

    def get_app_list(self, request, app_label=None):
        """Django's models by app, built when first read (a list in every other respect)."""
        build = super().get_app_list
        return SimpleLazyObject(lambda: build(request, app_label))


class ConsoleAdminConfig(AdminConfig):
    """Django's admin app (autodiscovery of every app's admin.py included), with the console's
    site as `django.contrib.admin.site`."""

    default_site = "opsconsole.admin_site.ConsoleAdminSite"
