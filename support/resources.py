"""CSV import and export of tickets and bugs (django-import-export), so the team can move off its
old tracker. Rows are matched on their reference or id, so importing the same file twice updates
rather than duplicates."""

from import_export import fields, resources, widgets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from accounts.models import Platform
from support.models import Bug, Ticket, TicketMessage

NOTE_ALREADY_RECORDED = ("Note {id} is already recorded, differently: notes are never rewritten. Leave the id "
                         "out to add this one as a new note.")


class TicketResource(resources.ModelResource):
    platform = fields.Field(attribute="platform", column_name="platform",
                            widget=widgets.ForeignKeyWidget(Platform, field="client_id"))

    class Meta:
        model = Ticket
        import_id_fields = ("reference",)
        fields = ("reference", "kind", "priority", "status", "resolution", "subject", "description",
                  "requester_name", "requester_email", "platform", "customer_affected", "created_at",
                  "first_responded_at", "resolved_at")
        export_order = fields
        skip_unchanged = True
        clean_model_instances = True


class BugResource(resources.ModelResource):
    class Meta:
        model = Bug
        fields = ("id", "title", "steps_to_reproduce", "expected_behaviour", "actual_behaviour", "severity",
                  "status", "fix_due_at", "fixed_at")
        skip_unchanged = True
        clean_model_instances = True


class TicketMessageResource(resources.ModelResource):
    """Notes and replies, tied to their ticket by its reference and to their author by username."""

    ticket = fields.Field(attribute="ticket", column_name="ticket",
                          widget=widgets.ForeignKeyWidget(Ticket, field="reference"))
    author = fields.Field(attribute="author", column_name="author",
                          widget=widgets.ForeignKeyWidget(get_user_model(), field="username"))

    class Meta:
        model = TicketMessage
        fields = ("id", "ticket", "author", "visibility", "body", "created_at")
        skip_unchanged = True
        clean_model_instances = True

    def save_instance(self, instance, is_create, row, **kwargs):
        # A note is a record, kept without a history of edits: an import adds notes, and one
        # already here is left as it is (re-importing it unchanged is skipped, not refused).
        if not is_create:
            raise ValidationError({"id": NOTE_ALREADY_RECORDED.format(id=instance.pk)})
        super().save_instance(instance, is_create, row, **kwargs)
