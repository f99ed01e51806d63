"""The console's detail page, templates/opsconsole/detail_page.html, for records nobody edits here."""

from django.template.loader import render_to_string


class DetailPageMixin:
    """The console's detail page (templates/opsconsole/detail_page.html) for records nobody edits
    here: its parts drawn by the view (`drawn_…` in the page's context) before the page's template
    renders, since they make most of a detail page's Python calls, and nested in the layout's
    templates they ran at the depth where CPython maps and unmaps a chunk of its frame stack for
    every call (docs/decisions/0079-a-pages-records-drawn-by-its-view.md).

    `details_before` and `details_after` give what an admin shows above everything else and below
    the details and related tables."""

    change_form_template = "opsconsole/detail_page.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        adminform = context["adminform"]
        if not adminform.form.fields:
            context["drawn_details"] = render_to_string("opsconsole/details.html", {"adminform": adminform})
        if obj is not None:
            context["drawn_before_details"] = self.details_before(request, obj)
            context["drawn_after_details"] = self.details_after(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def details_before(self, request, obj) -> str:
        """What the detail page of `obj` shows above everything else, as markup; nothing unless an
        admin says."""
        return ""

    def details_after(self, request, obj) -> str:
        """What the detail page of `obj` shows below its details and related tables, as markup;
        nothing unless an admin says."""
        return ""
