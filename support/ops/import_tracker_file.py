from collections import Counter

from django import forms
from django.conf import settings

from audit.imports import record_import
from opsconsole.errors import OpsError
from opsconsole.tasking.base import Chunk, FieldChange, OpsTask
from opsconsole.tasking.history import change_reason_for
from opsconsole.tasking.registry import register
from support.models import Bug, Ticket, TrackerImport, TrackerImportRow
from support.tracker_imports.writing import rows_write

NOT_CHECKED = "{tracker_import} is not checked yet: match its columns and check its rows first."
ALREADY_IMPORTED = "{tracker_import} was already imported."
REJECTED_ROWS = ("{rows} rejected: import the valid rows only, or correct the file and "
                 "upload it again.")
NOTHING_TO_IMPORT = "No row of the file can be imported: every one is rejected."
WRITTEN = ("created", "updated", "unchanged", "rejected")


class ImportTrackerFileForm(forms.Form):
    valid_rows_only = forms.BooleanField(
        required=False, label="Import the valid rows only",
        help_text="The rejected rows stay out; download them as a CSV from the import's page to correct them.")


@register
class ImportTrackerFile(OpsTask):
    slug = "import-tracker-file"
    title = "Import an export from Zendesk or Jira"
    description = ("Write the checked rows of an export as tickets or bugs: records this export made before are "
                   "updated, the others created, each with its original times.")
    model = TrackerImport
    form_class = ImportTrackerFileForm
    runs_in_background = True
    work_unit = "rows"

    def validate(self, tracker_import, params):
        if tracker_import.status == TrackerImport.Status.IMPORTED:
            raise OpsError(ALREADY_IMPORTED.format(tracker_import=tracker_import))
        if tracker_import.status != TrackerImport.Status.CHECKED:
            raise OpsError(NOT_CHECKED.format(tracker_import=tracker_import))
        outcomes = tracker_import.rows_by_outcome()
        rejected = outcomes.get(TrackerImportRow.Outcome.REJECTED, 0)
        if rejected and not params.get("valid_rows_only"):
            rows = f"{rejected} row of the file is" if rejected == 1 else f"{rejected} rows of the file are"
            raise OpsError(REJECTED_ROWS.format(rows=rows), field="valid_rows_only")
        if not outcomes.get(TrackerImportRow.Outcome.PENDING):
            raise OpsError(NOTHING_TO_IMPORT)

    def preview(self, tracker_import, params):
        model = Ticket if tracker_import.into == TrackerImport.Into.TICKETS else Bug
        to_import = tracker_import.rows.filter(outcome=TrackerImportRow.Outcome.PENDING)
        updating = tracker_import.rows_to_update()
        return [FieldChange(str(model._meta.verbose_name_plural), "rows imported", 0,
                            f"{to_import.count() - updating} new, {updating} already imported (updated where "
                            "they differ)")]

    def count_work(self, tracker_import, params):
        return tracker_import.rows.exclude(outcome=TrackerImportRow.Outcome.REJECTED).count()

    def execute_chunk(self, tracker_import, params, cursor, run):
        """The cursor is the last row number written. Rows are written only while still to import,
        read under a row lock: a row a failed attempt wrote is counted, not written again."""
        rows = list(tracker_import.rows.select_for_update(no_key=True)
                    .filter(number__gt=cursor or 0).exclude(outcome=TrackerImportRow.Outcome.REJECTED)
                    .order_by("number")[:settings.SUPPORT_IMPORT_CHUNK_SIZE])
        if not rows:
            return Chunk(cursor=cursor, done=0, tally={}, finished=True)
        to_write = [row for row in rows if row.outcome == TrackerImportRow.Outcome.PENDING]
        written = rows_write(tracker_import=tracker_import, rows=to_write, user=run.requested_by,
                             change_reason=change_reason_for(run)) if to_write else Counter()
        tally = {outcome: written.get(outcome, 0) for outcome in WRITTEN}
        tally["skipped: written by an earlier attempt"] = len(rows) - len(to_write)
        return Chunk(cursor=rows[-1].number, done=len(rows), tally=tally,
                     finished=len(rows) < settings.SUPPORT_IMPORT_CHUNK_SIZE)

    def finish(self, tracker_import, params, run):
        model = Ticket if tracker_import.into == TrackerImport.Into.TICKETS else Bug
        rows = tracker_import.rows
        tracker_import.status = TrackerImport.Status.IMPORTED
        tracker_import.save(update_fields=["status"])
        outcomes = tracker_import.rows_by_outcome()
        record_import(
            request=None, user=run.requested_by, model=model, file_name=tracker_import.file_name,
            totals={"new": outcomes[TrackerImportRow.Outcome.CREATED],
                    "update": outcomes[TrackerImportRow.Outcome.UPDATED],
                    "skip": outcomes[TrackerImportRow.Outcome.UNCHANGED]},
            created_ids=list(rows.filter(outcome=TrackerImportRow.Outcome.CREATED).values_list("record_id", flat=True)),
            changed_ids=list(rows.filter(outcome=TrackerImportRow.Outcome.UPDATED).values_list("record_id", flat=True)),
        )
        rejected = outcomes[TrackerImportRow.Outcome.REJECTED]
        return (f"Imported {tracker_import.file_name} into {model._meta.verbose_name_plural}: "
                f"{outcomes[TrackerImportRow.Outcome.CREATED]} created, {outcomes[TrackerImportRow.Outcome.UPDATED]} "
                f"updated, {outcomes[TrackerImportRow.Outcome.UNCHANGED]} unchanged"
                + (f", {rejected} rejected rows left out." if rejected else "."))
