"""Every download of data from the console goes on the audit trail: who took which records, in
which format, how many rows and with which filters, or who was refused. And no download carries
a formula: a cell a spreadsheet would run is written as text."""

import tablib
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from audit.services.recording import record_event

# OWASP's rule against CSV injection (https://owasp.org/www-community/attacks/CSV_Injection): a
# spreadsheet reads a cell beginning with one of these as a formula, so such a cell is written after
# a single quote, which makes it text. Values from outside (a failed sign-in's username and browser)
# reach the exports.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """`value` as an export writes it: text that would start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def neutralised_rows(rows) -> list[list]:
    return [[neutralised(value) for value in row] for row in rows]


def neutralised_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    return tablib.Dataset(*neutralised_rows(dataset), headers=dataset.headers, title=dataset.title)


def record_export(*, request, model, file_format: str, rows: int, subject: str = "") -> AuditEvent:
    """`subject` names what was exported when it is not simply the model's records (a report)."""
    subject = subject or str(model._meta.verbose_name_plural)
    return record_event(
        AuditEvent.Action.EXPORT, actor=request.user, request=request,
        object_type=ContentType.objects.get_for_model(model), object_repr=subject,
        summary=f"Exported {rows} rows of {subject} as {file_format}",
        details={"model": model._meta.label_lower, "format": file_format, "rows": rows,
                 "filters": request.GET.urlencode()},
    )


def record_refused_export(*, request, model) -> AuditEvent:
    subject = str(model._meta.verbose_name_plural)
    return record_event(
        AuditEvent.Action.EXPORT, outcome=AuditEvent.Outcome.FAILURE, actor=request.user, request=request,
        object_type=ContentType.objects.get_for_model(model), object_repr=subject,
        summary=f"Export of {subject} refused: no permission to view them",
        details={"model": model._meta.label_lower, "filters": request.GET.urlencode()},
    )


class RecordedExportMixin:
    """For admins with django-import-export's export: only people who may view the records may
    export them, each file handed out, or refused, is recorded before the response leaves, and its
    values are neutralised in every format.

    Put it before the export mixin in the bases."""

    def has_export_permission(self, request):
        return self.has_view_permission(request) and super().has_export_permission(request)

    def export_action(self, request):
        if not self.has_export_permission(request):
            record_refused_export(request=request, model=self.model)
            raise PermissionDenied
        return super().export_action(request)

    def get_data_for_export(self, request, queryset, **kwargs):
        dataset = neutralised_dataset(super().get_data_for_export(request, queryset, **kwargs))
        # The format is known only one step up, in `get_export_data`; the row count only here.
        request.exported_row_count = len(dataset)
        return dataset

    def get_export_data(self, file_format, request, queryset, **kwargs):
        exported = super().get_export_data(file_format, request, queryset, **kwargs)
        record_export(request=request, model=self.model, file_format=file_format.get_title(),
                      rows=request.exported_row_count)
        return exported
