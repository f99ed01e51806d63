"""A person's second factor on the staff user screens: whether they have enrolled, and a
superuser's reset, as an action on the people chosen in the list or a button on a person's page.

The reset takes Django's two steps, as `delete_selected` does: a page asking why, then its POST,
which checks again who may before anything changes (the service checks a third time)."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from opsconsole.errors import OpsError
from opsconsole.second_factor.forms import ResetReasonForm
from opsconsole.second_factor.services import RESET_NOT_ALLOWED, second_factor_reset

RESET_ACTION = "reset_second_factor"
# In the reason page's POST: the reason was asked for, so this is the second step.
RESET_CONFIRMED = "reset_confirmed"


class SecondFactorUserAdminMixin:
    """For the staff user admin (opsconsole/admin.py)."""

    actions = (RESET_ACTION,)

    def get_queryset(self, request):
        enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(second_factor_enrolled=Exists(enrolled))

    def get_list_display(self, request):
        return (*super().get_list_display(request), "second_factor")

    @admin.display(description="second factor", boolean=True, ordering="second_factor_enrolled")
    def second_factor(self, person):
        return person.second_factor_enrolled

    def get_urls(self):
        reset = self.admin_site.admin_view(self.second_factor_reset_view)
        return [path("<path:object_id>/reset-second-factor/", reset, name="auth_user_reset_second_factor"),
                *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.user.is_superuser:
            context["actions_detail"] = [*context.get("actions_detail", []), {
                "title": "Reset second factor", "icon": "phonelink_erase",
                "path": reverse("admin:auth_user_reset_second_factor", args=[obj.pk]),
                "attrs": {"data-reset-second-factor": ""}}]
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description="Reset second factor (they enrol again at their next sign-in)")
    def reset_second_factor(self, request, queryset):
        return self.second_factor_reset_step(request, list(queryset), from_list=True)

    def second_factor_reset_view(self, request, object_id):
        person = self.get_object(request, object_id)
        if person is None:
            raise Http404(f"There is no staff user with id {object_id}.")
        response = self.second_factor_reset_step(request, [person], from_list=False)
        return response or HttpResponseRedirect(reverse("admin:auth_user_change", args=[person.pk]))

    def second_factor_reset_step(self, request, people: list, *, from_list: bool):
        """The reason page for resetting `people`'s second factor; or, on that page's POST, the
        reset, reported in a message, and None (the caller goes back to the list or the page).
        Someone not a superuser gets the refusal in a message, and nothing changes."""
        if not request.user.is_superuser:
            self.message_user(request, RESET_NOT_ALLOWED, messages.ERROR)
            return None
        form = ResetReasonForm(request.POST if RESET_CONFIRMED in request.POST else None)
        if form.is_valid():
            try:
                removed = [second_factor_reset(person=person, by=request.user, reason=form.cleaned_data["reason"],
                                               request=request) for person in people]
            except OpsError as problem:
                self.message_user(request, problem.message, messages.ERROR)
                return None
            names = ", ".join(person.get_username() for person in people)
            self.message_user(request, f"Second factor reset for {names}: {len(removed)} "
                                       f"{'person enrols' if len(removed) == 1 else 'people enrol'} again "
                                       f"at the next sign-in.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reset second factor",
            "opts": self.model._meta,
            "people": people,
            "form": form,
            "action": RESET_ACTION if from_list else None,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "confirmed_field": RESET_CONFIRMED,
        }
        return TemplateResponse(request, "opsconsole/second_factor/reset_confirmation.html", context)
