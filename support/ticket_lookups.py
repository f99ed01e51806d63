"""The ticket form's look-ups that are not another admin's search: the people a ticket can be
assigned to, and the records it can be linked to. Each answers the select boxes of the form
(unfold's autocomplete fields, registered as `TicketAdmin.custom_urls`) with JSON, to whoever may
fill in a ticket form, and offers nothing those people could not choose in the form itself.

Django's own autocomplete would ask the User admin, which only superusers may open: see
docs/decisions/0025-the-ticket-forms-look-ups.md.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import JsonResponse
from django.views import View
from unfold.views import BaseAutocompleteView

from opsconsole.people import person_name
from support.links import LINK_PERMISSION, record_choices
from support.triage import ticket_workers

# Whoever may raise or edit a ticket fills in its form, and so may look its choices up.
TICKET_FORM_PERMISSIONS = ("support.add_ticket", "support.change_ticket")


def may_fill_in_ticket_forms(user) -> bool:
    return any(user.has_perm(permission) for permission in TICKET_FORM_PERMISSIONS)


def assignees_matching(term: str) -> QuerySet:
    """The people who work tickets whose username, first or last name contains `term`, by username."""
    term = term.strip()
    people = ticket_workers()
    if term:
        people = people.filter(Q(username__icontains=term) | Q(first_name__icontains=term)
                               | Q(last_name__icontains=term))
    return people


class AssigneeLookupView(BaseAutocompleteView):
    """`?term=`: the people a ticket can be assigned to, for the ticket form's assignee."""

    def dispatch(self, request, *args, **kwargs):
        if not may_fill_in_ticket_forms(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return assignees_matching(self.request.GET.get("term", ""))

    def get(self, request, *args, **kwargs):
        """unfold's answer, each person named as the form shows them (opsconsole/people.py)."""
        self.object_list = self.get_queryset()
        context = self.get_context_data()
        return JsonResponse({"results": [{"id": str(person.pk), "text": person_name(person)}
                                         for person in context["object_list"]],
                             "pagination": {"more": context["page_obj"].has_next()}})


class RecordLookupView(View):
    """`?term=`: the records a ticket's link can name, found as the console's search finds them,
    in the select boxes' JSON (one page: the search gives its best matches only)."""

    def get(self, request, *args, **kwargs):
        if not (may_fill_in_ticket_forms(request.user) and request.user.has_perm(LINK_PERMISSION)):
            raise PermissionDenied
        choices = record_choices(query=request.GET.get("term", ""), user=request.user)
        return JsonResponse({"results": [{"id": choice.value, "text": choice.text} for choice in choices],
                             "pagination": {"more": False}})
