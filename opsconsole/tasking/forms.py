"""Forms of the task screens: the request that goes with a run, and an approver's decision.

Neither holds a rule: the reason is required, but the service says so (and records the
refusal), so these forms only carry what was typed back to the page.
"""

from django import forms
from unfold.widgets import CHECKBOX_CLASSES, INPUT_CLASSES, SELECT_CLASSES, TEXTAREA_CLASSES


class TaskRequestForm(forms.Form):
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required. Why this change is being made; kept in the audit record.",
    )
    ticket_reference = forms.CharField(
        required=False, max_length=64, help_text="The support ticket this resolves, if there is one.",
    )
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    comment = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the run. Required to decline.",
    )


def _console_classes(widget: forms.Widget) -> list[str]:
    if isinstance(widget, forms.HiddenInput):
        return []
    if isinstance(widget, forms.CheckboxInput):
        return CHECKBOX_CLASSES
    if isinstance(widget, forms.Textarea):
        return TEXTAREA_CLASSES
    if isinstance(widget, forms.Select):
        return SELECT_CLASSES
    return INPUT_CLASSES


def in_console_style(form: forms.Form) -> forms.Form:
    """Give a plain Django form (a task's parameters) the admin's look, whatever its widgets."""
    for field in form.fields.values():
        classes = [field.widget.attrs.get("class", ""), *_console_classes(field.widget)]
        field.widget.attrs["class"] = " ".join(classes).strip()
    return form
