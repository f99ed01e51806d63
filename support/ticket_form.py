"""The ticket page's form beyond the ticket's own columns: who it can be assigned to and who can
have asked for it, the records a link can name, the ticket it can repeat, and the articles a reply
typed there was written from.

Every choice is made by typing what people know (a name, an email, a reference) into a look-up,
never an id: the platform, the bug and the original ticket through Django's autocomplete (their
admins' own searches), the assignee and a link's record through the look-ups of
support/ticket_lookups.py.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.urls import reverse_lazy
from unfold.fields import UnfoldAdminAutocompleteModelChoiceField
from unfold.widgets import UnfoldAdminAutocompleteModelChoiceFieldWidget

from opsconsole.errors import OpsError
from opsconsole.people import person_name
from support.links import record_choice_target, record_label
from support.models import Article, TicketLink
from support.triage import ticket_duplicate_problem, ticket_workers

ASSIGNEE_LOOKUP = "admin:support_ticket_assignee_lookup"
RECORD_LOOKUP = "admin:support_ticket_record_lookup"

NOT_A_TICKET_WORKER = "Choose someone who works support tickets: type part of their name."
NOT_ON_THE_STAFF = "Choose a member of staff."
ALREADY_LINKED = "This ticket is already linked to that record."
LINKED_TWICE = "Two links name the same record: keep one."
# What the record box shows for a record chosen in a form sent back with errors elsewhere.
RECORD_CHOSEN = "The record you chose"
ARTICLES_NOT_OFFERED = "Only published knowledge-base articles can be inserted into a reply."


def assignee_field() -> UnfoldAdminAutocompleteModelChoiceField:
    """The assignee: someone who works tickets, looked up and shown by name."""
    return PersonAutocompleteField(
        queryset=ticket_workers(), url_path=ASSIGNEE_LOOKUP, required=False, label="Assignee",
        help_text="Someone who works support tickets: type part of their name.",
        error_messages={"invalid_choice": NOT_A_TICKET_WORKER})


class PersonAutocompleteField(UnfoldAdminAutocompleteModelChoiceField):
    """A person chosen by typing, shown by their full name (opsconsole/people.py)."""

    def label_from_instance(self, person) -> str:
        return person_name(person)


def staff_members():
    """Active staff, by username: who can have asked for a ticket (its requester on the staff)."""
    return get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")


class TicketFormBase(forms.ModelForm):
    """What the ticket form checks beyond the ticket's columns: the people it already names stay
    choosable (someone who has since left is not dropped by saving), it is never a duplicate of
    itself or of its own duplicates, and the articles inserted into its reply are published ones."""

    # Filled by the page's script (static/support/insert_article.js) as articles are inserted into
    # the reply; recorded as used when the reply is sent (TicketAdmin.save_related).
    articles_in_reply = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("assignee", "requester_staff"):
            field, current = self.fields.get(name), getattr(self.instance, f"{name}_id", None)
            if field is not None and current is not None:
                field.queryset = get_user_model().objects.filter(
                    Q(pk__in=field.queryset.order_by().values("pk")) | Q(pk=current)).order_by("username")

    def clean_articles_in_reply(self) -> list[Article]:
        ids = [part.strip() for part in self.cleaned_data["articles_in_reply"].split(",") if part.strip()]
        if not all(part.isdigit() for part in ids):
            raise ValidationError(ARTICLES_NOT_OFFERED)
        articles = list(Article.objects.filter(pk__in=ids, is_published=True).order_by("title"))
        if len(articles) != len(set(ids)):
            raise ValidationError(ARTICLES_NOT_OFFERED)
        return articles

    def clean(self):
        cleaned = super().clean()
        if "articles_in_reply" in self.errors:
            # Not a field on the page (its script fills it in): said above the form instead.
            self.add_error(None, ARTICLES_NOT_OFFERED)
        original = cleaned.get("duplicate_of")
        if self.instance.pk and original is not None and "duplicate_of" in self.changed_data and (
                problem := ticket_duplicate_problem(ticket=self.instance, original=original)):
            self.add_error("duplicate_of", problem)
        return cleaned


class RecordField(forms.CharField):
    """A record of any kind the console's search finds, chosen from its look-up; its value names
    it as `<content type id>:<key>` (support.links.record_choice_value)."""

    widget = UnfoldAdminAutocompleteModelChoiceFieldWidget

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "data-ajax--url": reverse_lazy(RECORD_LOOKUP)}


class TicketLinkForm(forms.ModelForm):
    """A link from the ticket to a record, chosen by typing what people know of it. The record is
    checked as `support.links` checks any link (a kind the person may view, on their platforms);
    set `linking_person` (TicketLinkInline does, per request)."""

    record = RecordField(help_text="Type an email, id, reference, card last four or batch reference, then choose.")
    label = forms.CharField(max_length=200, required=False, help_text="Left blank: the record's name.")
    linking_person = None

    class Meta:
        model = TicketLink
        fields = ("record", "label")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if self.instance.pk:
            current = f"{self.instance.target_type_id}:{self.instance.target_id}"
            self.fields["record"].initial = current
            choices.append((current, self.instance.label))
        chosen = self.data.get(self.add_prefix("record")) if self.is_bound else None
        if chosen and chosen not in dict(choices):
            choices.append((chosen, RECORD_CHOSEN))
        self.fields["record"].widget.choices = choices

    def clean(self):
        cleaned = super().clean()
        value = cleaned.get("record")
        if not value or "record" not in self.changed_data:
            if self.instance.pk and not cleaned.get("label"):
                cleaned["label"] = self.instance.label
            return cleaned
        try:
            target_type, target_id = record_choice_target(value=value, user=self.linking_person)
        except OpsError as refusal:
            self.add_error("record", refusal.message)
            return cleaned
        if self.instance.ticket_id and TicketLink.objects.filter(
                ticket_id=self.instance.ticket_id, target_type=target_type, target_id=target_id,
        ).exclude(pk=self.instance.pk).exists():
            self.add_error("record", ALREADY_LINKED)
            return cleaned
        self.instance.target_type, self.instance.target_id = target_type, target_id
        cleaned["label"] = cleaned.get("label") or record_label(target_type=target_type, target_id=target_id)
        return cleaned


class TicketLinkFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        targets = [(form.instance.target_type_id, form.instance.target_id) for form in self.forms
                   if form.has_changed() and not form.errors and form.instance.target_type_id]
        if len(targets) != len(set(targets)):
            raise ValidationError(LINKED_TWICE)
