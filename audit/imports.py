"""Every upload of data into the console goes on the audit trail: who imported which file into
which records, how many rows of each kind, and which objects it created or changed."""

from django.contrib.contenttypes.models import ContentType
from import_export.results import RowResult

from audit.models import AuditEvent
from audit.services.recording import record_event

# The ids an event lists, at most; the counts are always whole.
IDS_LISTED = 1000


def record_import(*, request, user, model, file_name: str, totals: dict, created_ids: list,
                  changed_ids: list) -> AuditEvent:
    """`request` says where from, when the import came through a page; `totals`: rows by kind."""
    subject = str(model._meta.verbose_name_plural)
    counts = {kind: totals.get(kind, 0) for kind in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE,
                                                     RowResult.IMPORT_TYPE_SKIP)}
    return record_event(
        AuditEvent.Action.IMPORT, actor=user, request=request,
        object_type=ContentType.objects.get_for_model(model), object_repr=subject,
        summary=(f"Imported {file_name or 'a file'} into {subject}: {counts['new']} new, {counts['update']} "
                 f"changed, {counts['skip']} unchanged"),
        details={"model": model._meta.label_lower, "file": file_name, **counts,
                 "created_ids": [str(pk) for pk in created_ids[:IDS_LISTED]],
                 "changed_ids": [str(pk) for pk in changed_ids[:IDS_LISTED]]},
    )


class RecordedImportMixin:
    """For django-import-export resources: a confirmed import (not its preview) that wrote its rows
    is recorded in the same transaction, as the importing person's, from the page's `request` when
    the admin passes one. Put it before the resource class in the bases."""

    def __init__(self, *, request=None, **kwargs):
        super().__init__(**kwargs)
        self.request = request
        self.confirmed = False

    def import_data(self, dataset, dry_run=False, **kwargs):
        self.confirmed = not dry_run
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def written_ids(self, result) -> tuple[list, list]:
        """The ids of the objects created and of those changed."""
        created = [row.object_id for row in result.rows if row.import_type == RowResult.IMPORT_TYPE_NEW]
        changed = [row.object_id for row in result.rows if row.import_type == RowResult.IMPORT_TYPE_UPDATE]
        return created, changed

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.confirmed and not (result.has_errors() or result.has_validation_errors()):
            created, changed = self.written_ids(result)
            record_import(request=self.request, user=kwargs.get("user"), model=self._meta.model,
                          file_name=kwargs.get("file_name") or "", totals=result.totals,
                          created_ids=created, changed_ids=changed)
