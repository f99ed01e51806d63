"""The pages of an import from another tracker: upload the export, match its columns and values,
see every row checked (paged, rejected rows first to hand), then import as a background run.

Each page needs permission to add the records imported and to run the `import-tracker-file`
task; an import is seen only by the person who uploaded it (anyone else gets a 404, as for a
record that does not exist).
"""

import csv
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from audit.exports import neutralised, record_export
from opsconsole.admin_urls import record_admin_url
from opsconsole.errors import OpsError
from opsconsole.tasking.forms import in_console_style
from opsconsole.tasking.services import Origin, task_run_request
from support.models import Bug, Ticket, TicketKind, TrackerImport, TrackerImportRow, TrackerSource
from support.ops.import_tracker_file import ImportTrackerFile
from support.tracker_imports.checking import (
    MOST_VALUES_MATCHED,
    Matching,
    matching_problems,
    tracker_import_check,
    tracker_import_start,
)
from support.tracker_imports.files import (
    AUTOMATIC,
    ENCODING_NAMES,
    ENCODINGS,
    column_values,
    export_decode,
    export_rows,
    export_size_check,
)
from support.tracker_imports.presets import CHOICE, TARGETS, preset_for, value_matches

ROWS_PER_PAGE = 100
VALUES_TO_MATCH = "You chose another column for {labels}: match its values below, then check every row."
MODELS = {TrackerImport.Into.TICKETS: Ticket, TrackerImport.Into.BUGS: Bug}
NOT_MATCHED = ""
TIME_ZONES = sorted(zoneinfo.available_timezones())


def _require_importer(request, into: str) -> None:
    model = MODELS[into]
    if not (admin.site.get_model_admin(model).has_add_permission(request)
            and request.user.has_perm(ImportTrackerFile.permission_name())):
        raise PermissionDenied


def _import_of(request, import_id: int) -> TrackerImport:
    if not request.user.has_perm(ImportTrackerFile.permission_name()):
        raise PermissionDenied
    tracker_import = get_object_or_404(TrackerImport, pk=import_id, created_by=request.user)
    _require_importer(request, tracker_import.into)
    return tracker_import


def _page(request, template: str, title: str, **context):
    return TemplateResponse(request, template, {**admin.site.each_context(request), "title": title, **context})


class UploadForm(forms.Form):
    file = forms.FileField(help_text="A CSV export of Zendesk tickets or Jira issues; at most "
                                     f"{settings.SUPPORT_IMPORT_MAX_BYTES // 1_000_000} MB.")
    encoding = forms.ChoiceField(choices=list(ENCODINGS.items()), initial=AUTOMATIC,
                                 help_text="How its characters are stored; the import works it out unless told.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_console_style(self)


def tracker_import_upload(request, into: str):
    """Step 1: the file, read and split into rows; a file that cannot be read is refused here."""
    if into not in MODELS:
        raise Http404
    _require_importer(request, into)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            export_size_check(upload.size)
            text, encoding = export_decode(upload.read(), form.cleaned_data["encoding"])
            tracker_import = tracker_import_start(text=text, encoding=encoding, into=into, file_name=upload.name,
                                                  person=request.user, time_zone=settings.TIME_ZONE)
        except OpsError as problem:
            form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        else:
            return redirect("support-tracker-import-mapping", import_id=tracker_import.pk)
    model = MODELS[into]
    return _page(request, "support/tracker_import/upload.html", f"Import {model._meta.verbose_name_plural} "
                 "from Zendesk or Jira", form=form, into=into, opts=model._meta,
                 imports=TrackerImport.objects.filter(created_by=request.user, into=into)[:10])


class MatchingForm(forms.Form):
    """A column of the file for each value the console needs, and each value of the choice
    columns matched to one of the console's."""

    source = forms.ChoiceField(label="Exported from", choices=[("", "—"), *TrackerSource.choices],
                               help_text="Records are found again by this tracker and their id in it.")
    time_zone = forms.ChoiceField(label="Times without a zone are in", choices=[(zone, zone) for zone in TIME_ZONES])
    default_kind = forms.ChoiceField(label="Kind of a ticket whose row says none", required=False,
                                     choices=[("", "—"), *TicketKind.choices])

    def __init__(self, *args, tracker_import: TrackerImport, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.tracker_import = tracker_import
        matching = Matching.from_import(tracker_import)
        preset = preset_for(headers=tracker_import.headers, into=tracker_import.into)
        columns = [(NOT_MATCHED, "— none —"), *((header, header) for header in tracker_import.headers)]
        self.targets = TARGETS[tracker_import.into]
        self.initial.update(source=matching.source, time_zone=matching.time_zone, default_kind=matching.default_kind)
        if tracker_import.into != TrackerImport.Into.TICKETS:
            del self.fields["default_kind"]
        self.value_fields, self.columns_changed = [], []
        for target in self.targets:
            name = f"column-{target.name}"
            self.fields[name] = forms.ChoiceField(label=target.label, choices=columns, required=False,
                                                  help_text=target.help_text)
            self.initial[name] = matching.columns.get(target.name, "")
            if target.kind == CHOICE:
                self.add_value_fields(target, rows, matching, preset)
        in_console_style(self)

    def add_value_fields(self, target, rows, matching: Matching, preset) -> None:
        """A choice for each value of the column matched to `target`. The values shown are those of
        the column the page showed (a hidden field says which): a column changed on the page is
        listed for matching on the next, not checked with the old column's answers."""
        shown_name, name = f"shown-{target.name}", f"column-{target.name}"
        self.fields[shown_name] = forms.CharField(required=False, widget=forms.HiddenInput)
        shown = self.data.get(shown_name, "") if self.is_bound else self.initial[name]
        column = self.data.get(name, "") if self.is_bound else shown
        if self.is_bound and column != shown:
            self.columns_changed.append(target.label)
        self.initial[shown_name] = column
        if self.is_bound:
            self.data = self.data.copy()
            self.data[shown_name] = column
        if column not in self.tracker_import.headers:
            return
        values = column_values(headers=self.tracker_import.headers, rows=rows, column=column)[:MOST_VALUES_MATCHED]
        answers = matching.values.get(target.name, {}) if column == matching.columns.get(target.name) else {}
        offered = {**value_matches(target=target, values=values, preset=preset), **answers}
        for position, value in enumerate(values):
            value_name = f"value-{target.name}-{position}"
            self.fields[value_name] = forms.ChoiceField(
                label=f"{target.label} “{value}”", required=False,
                choices=[("", "— not matched: rows rejected —"), *target.choices])
            self.initial[value_name] = offered.get(value, "")
            if self.is_bound and column != shown:
                self.data[value_name] = offered.get(value, "")
            self.value_fields.append((target, value, value_name))

    def column_fields(self):
        return [self[f"column-{target.name}"] for target in self.targets]

    def value_groups(self):
        groups = {}
        for target, value, name in self.value_fields:
            groups.setdefault(target.label, []).append((value, self[name]))
        return list(groups.items())

    def matching(self) -> Matching:
        data = self.cleaned_data
        values = {}
        for target, value, name in self.value_fields:
            values.setdefault(target.name, {})[value] = data.get(name, "")
        return Matching(source=data["source"], time_zone=data["time_zone"], default_kind=data.get("default_kind", ""),
                        columns={target.name: data.get(f"column-{target.name}", "") for target in self.targets},
                        values=values)


def tracker_import_mapping(request, import_id: int):
    """Step 2: which column is which and what the values mean; confirmed, every row is checked."""
    tracker_import = _import_of(request, import_id)
    if tracker_import.status == TrackerImport.Status.IMPORTED:
        return redirect("support-tracker-import-rows", import_id=tracker_import.pk)
    headers, rows = export_rows(tracker_import.text)
    form = MatchingForm(request.POST or None, tracker_import=tracker_import, rows=rows)
    problems = []
    if request.method == "POST" and form.is_valid():
        matching = form.matching()
        problems = matching_problems(matching=matching, into=tracker_import.into, headers=headers, rows=rows)
        if form.columns_changed:
            problems.append(VALUES_TO_MATCH.format(labels=", ".join(form.columns_changed)))
        if not problems:
            tracker_import_check(tracker_import=tracker_import, matching=matching, user=request.user)
            return redirect("support-tracker-import-rows", import_id=tracker_import.pk)
    preset = preset_for(headers=tracker_import.headers, into=tracker_import.into)
    return _page(request, "support/tracker_import/mapping.html", f"Match the columns of {tracker_import.file_name}",
                 form=form, tracker_import=tracker_import, preset=preset, problems=problems,
                 encoding_name=ENCODING_NAMES.get(tracker_import.encoding, tracker_import.encoding),
                 opts=MODELS[tracker_import.into]._meta)


class ConfirmForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             help_text="Required. Why these records come in; kept in the audit record.")
    valid_rows_only = forms.BooleanField(required=False, label="Import the valid rows only",
                                         help_text="The rejected rows stay out; download them to correct them.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_console_style(self)


def tracker_import_rows(request, import_id: int):
    """Step 3: every row as checked, a page at a time; confirmed, the import runs in the
    background and the run's page shows its progress."""
    tracker_import = _import_of(request, import_id)
    if tracker_import.status == TrackerImport.Status.MAPPING:
        return redirect("support-tracker-import-mapping", import_id=tracker_import.pk)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run = task_run_request(
            slug=ImportTrackerFile.slug, target_id=tracker_import.pk,
            raw_params={"valid_rows_only": "on" if form.cleaned_data["valid_rows_only"] else ""},
            reason=form.cleaned_data["reason"], origin=Origin(
                user=request.user, source="web", ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.headers.get("user-agent", "")))
        if run.status != run.Status.REJECTED:
            return redirect(record_admin_url(run))
        refusal = OpsError.from_recorded(run.outcome, fields=form.fields)
        form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
    shown = request.GET.get("show", "")
    rows = tracker_import.rows.order_by("number")
    if shown == "rejected":
        rows = rows.filter(outcome=TrackerImportRow.Outcome.REJECTED)
    page = Paginator(rows.only("number", "cells", "values", "problems", "outcome", "record_id"),
                     ROWS_PER_PAGE).get_page(request.GET.get("page"))
    outcomes = tracker_import.rows_by_outcome()
    updating = tracker_import.rows_to_update()
    columns = [column for column in tracker_import.mapping.get("columns", {}).values() if column]
    shown_columns = [header for header in tracker_import.headers if header in columns]
    positions = [tracker_import.headers.index(header) for header in shown_columns]
    return _page(
        request, "support/tracker_import/rows.html", f"Rows of {tracker_import.file_name}",
        tracker_import=tracker_import, page=page, shown=shown, outcomes=outcomes, form=form,
        to_import=outcomes.get(TrackerImportRow.Outcome.PENDING, 0), updating=updating,
        rejected=outcomes.get(TrackerImportRow.Outcome.REJECTED, 0), shown_columns=shown_columns,
        table=[(row, [row.cells[position] if position < len(row.cells) else "" for position in positions])
               for row in page.object_list],
        records_url=reverse(f"admin:support_{MODELS[tracker_import.into]._meta.model_name}_changelist"),
        opts=MODELS[tracker_import.into]._meta)


class _Echo:
    def write(self, value):
        return value


def tracker_import_rejected_csv(request, import_id: int):
    """The rejected rows as the file had them, each with its row number and its problems, to
    correct and import again."""
    tracker_import = _import_of(request, import_id)
    writer = csv.writer(_Echo())
    rejected = tracker_import.rows.filter(outcome=TrackerImportRow.Outcome.REJECTED).order_by("number")

    def lines():
        yield writer.writerow([*tracker_import.headers, "Row", "Problems"])
        for row in rejected.only("number", "cells", "problems").iterator(chunk_size=2000):
            problems = "; ".join(f"{column}: {problem}" for column, problem in row.problems)
            yield writer.writerow([neutralised(cell) for cell in row.cells] + [row.number, neutralised(problems)])

    record_export(request=request, model=MODELS[tracker_import.into], file_format="csv", rows=rejected.count(),
                  subject=f"rejected rows of {tracker_import}")
    name = tracker_import.file_name.rsplit(".", 1)[0]
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name[:100]}-rejected-rows.csv"'
    return response
