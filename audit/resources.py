"""The audit trail as a file (django-import-export): every field of each event, hashes included,
so an exported stretch can be checked against the chain. Export only: nothing imports into it."""

from django.contrib.contenttypes.models import ContentType
from import_export import fields, resources

from audit.models import AuditEvent


class AuditEventResource(resources.ModelResource):
    object_type = fields.Field(column_name="object_type")

    class Meta:
        model = AuditEvent
        fields = ("id", "occurred_at", "actor_name", "action", "outcome", "source", "ip_address", "user_agent",
                  "object_type", "object_id", "object_repr", "task_run", "task_slug", "high_risk", "summary",
                  "details", "previous_hash", "record_hash")
        export_order = fields

    def dehydrate_occurred_at(self, event):
        return event.occurred_at.isoformat()  # with its offset: an auditor may read it in another zone

    def dehydrate_object_type(self, event):
        if event.object_type_id is None:
            return ""
        content_type = ContentType.objects.get_for_id(event.object_type_id)
        return f"{content_type.app_label}.{content_type.model}"
