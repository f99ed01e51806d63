"""The import form of the console's own CSV exports (django-import-export): a file whose columns
are not the console's is refused before it is read, with the way to import it instead, rather
than read into blank rows or a traceback."""

import csv
import io

from django.urls import reverse
from django.utils.html import format_html
from unfold.contrib.import_export.forms import ImportForm

from support.tracker_imports.presets import preset_for

NOT_THE_CONSOLES_OWN = "This file is not the console's own export of {records}: {why}."
WHY_NO_KEY = "it has no “{column}” column"
WHY_NO_COLUMN = "none of its columns is one of the export's ({columns})"
WHY_PRESET = "its columns are those of a {preset}"
IMPORT_IT_THERE = (" Import it with <a href=\"{url}\">Import from Zendesk or Jira</a>, which asks which of its "
                   "columns is which.")


class ConsoleExportImportForm(ImportForm):
    """`tracker_import_into`: where the tracker import takes the records of this admin's model
    ("tickets", "bugs"), or "" where there is none (then the message says only what is wrong)."""

    tracker_import_into = ""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.resource_classes = resources

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None or not upload.name.lower().endswith(".csv"):
            return cleaned
        try:
            resource_class = self.resource_classes[int(cleaned.get("resource") or 0)]
        except (IndexError, ValueError):
            return cleaned
        first_line = upload.readline()
        upload.seek(0)
        headers = next(csv.reader(io.StringIO(first_line.decode("utf-8-sig", errors="replace"))), [])
        resource = resource_class()
        if why := self.not_the_consoles_own(resource, resource_class.Meta.model, headers):
            records = resource_class.Meta.model._meta.verbose_name_plural
            message = format_html(NOT_THE_CONSOLES_OWN, records=records, why=why)
            if self.tracker_import_into:
                message += format_html(IMPORT_IT_THERE,
                                       url=reverse("support-tracker-import", args=[self.tracker_import_into]))
            self.add_error("import_file", message)
        return cleaned

    def not_the_consoles_own(self, resource, model, headers: list[str]) -> str:
        """Why a file with these column names is not an export of `resource`, or ""."""
        if self.tracker_import_into and (preset := preset_for(headers=headers, into=self.tracker_import_into)):
            return WHY_PRESET.format(preset=preset.name)
        for field_name in resource.get_import_id_fields():
            column = resource.fields[field_name].column_name
            # Without an id column, rows are new records; any other key must be there.
            if column not in headers and field_name != model._meta.pk.name:
                return WHY_NO_KEY.format(column=column)
        columns = [field.column_name for field in resource.get_import_fields()]
        if not set(columns) & set(headers):
            return WHY_NO_COLUMN.format(columns=", ".join(columns))
        return ""
