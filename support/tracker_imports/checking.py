"""An import's rows checked against the columns and values the person matched: each row's
values as the console will write them, or the problems that keep it out, named by row and
column. Checking writes only the import's own rows (`TrackerImportRow`), never a ticket or bug."""

import zoneinfo
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import Platform
from opsconsole.platform_access import restrict_to_user_platforms
from support.models import Bug, Priority, Ticket, TrackerImport, TrackerImportRow
from support.tracker_imports.files import column_values, export_rows
from support.tracker_imports.presets import (
    CHOICE,
    EMAIL,
    FIXED_AS_WONT_FIX,
    NOT_A_BUG,
    PERSON,
    PLATFORM,
    TARGETS,
    TIME,
    Target,
    initial_columns,
    initial_values,
    preset_for,
)
from support.tracker_imports.times import export_time
from support.triage import ticket_workers

# A choice column with more different values than this is not a status or a priority column.
MOST_VALUES_MATCHED = 60
ROWS_WRITTEN_AT_ONCE = 2000

EMPTY = "is empty; it is needed"
TOO_LONG = "is {length} characters long; {limit} fit"
NOT_AN_EMAIL = "“{value}” is not an email address"
NOT_MATCHED = "“{value}” is not matched to a console value: match it on the mapping page"
UNKNOWN_PLATFORM = "There is no platform with the client id or name “{value}”"
REPEATED_ID = "{value} is also on row {row}: each record may appear once"
ID_IN_USE = "{value} is already in use"
NOT_A_BUG_ROW = "“{value}” is not a bug: import it into tickets"
SOLVED_WITHOUT_TIME = "the row is solved but says not when: match a column for it, or “Updated at”"
BEFORE_CREATED = "is before the row's “Created at”"
COLUMN_NOT_MATCHED = "{label}: match a column of the file to it."
TOO_MANY_VALUES = ("Column “{column}” has {count} different values: is it the {label} column? Match another, "
                   "or none.")

SOLVED_TICKET_STATUSES = frozenset({Ticket.Status.RESOLVED, Ticket.Status.CLOSED})
SOLVED_BUG_STATUSES = frozenset({Bug.Status.FIXED, Bug.Status.WONT_FIX})


@dataclass
class Matching:
    """What the person confirmed on the mapping page (kept as `TrackerImport.mapping`)."""

    source: str
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    time_zone: str = "UTC"
    default_kind: str = ""

    @classmethod
    def from_import(cls, tracker_import: TrackerImport) -> "Matching":
        return cls(**tracker_import.mapping)

    def as_dict(self) -> dict:
        return {"source": self.source, "columns": self.columns, "values": self.values,
                "time_zone": self.time_zone, "default_kind": self.default_kind}


def matching_problems(*, matching: Matching, into: str, headers: list[str], rows) -> list[str]:
    """What keeps the matching from being checked row by row: a needed value with no column, a
    choice column with too many values to be one."""
    problems = []
    for target in TARGETS[into]:
        column = matching.columns.get(target.name, "")
        if target.required and not column and not (target.name == "kind" and matching.default_kind):
            problems.append(COLUMN_NOT_MATCHED.format(label=target.label))
        if column and target.kind == CHOICE:
            count = len(column_values(headers=headers, rows=rows, column=column))
            if count > MOST_VALUES_MATCHED:
                problems.append(TOO_MANY_VALUES.format(column=column, count=count, label=target.label.lower()))
    return problems


class RowChecker:
    """Reads rows of one file against one matching; the people, platforms and records already
    imported that the file names are read once, for the whole file."""

    def __init__(self, *, tracker_import: TrackerImport, matching: Matching, headers: list[str], rows, user):
        self.into = tracker_import.into
        self.model = Ticket if self.into == TrackerImport.Into.TICKETS else Bug
        self.matching = matching
        self.zone = zoneinfo.ZoneInfo(matching.time_zone)
        self.targets = [target for target in TARGETS[self.into] if matching.columns.get(target.name)]
        self.index = {column: position for position, column in enumerate(headers)}
        self.values = {name: {value.casefold(): console for value, console in mapped.items()}
                       for name, mapped in matching.values.items()}
        self.people = self._people()
        self.platforms = self._platforms(user)
        self.rows_by_id: dict[str, int] = {}
        self.existing, self.hidden = self._existing(rows, user)

    def _people(self) -> dict[str, int]:
        people = ticket_workers() if self.into == TrackerImport.Into.TICKETS else get_user_model().objects.filter(
            is_active=True, is_staff=True)
        names = {}
        for person in people.only("pk", "username", "email", "first_name", "last_name"):
            for name in (person.get_full_name(), person.email, person.get_username()):
                if name.strip():
                    names.setdefault(" ".join(name.split()).casefold(), person.pk)
        return names

    def _platforms(self, user) -> dict[str, int]:
        if not self.matching.columns.get("platform"):
            return {}
        names = {}
        for platform in restrict_to_user_platforms(Platform.objects.all(), user).only("pk", "name", "client_id"):
            names.setdefault(platform.client_id.casefold(), platform.pk)
            names.setdefault(" ".join(platform.name.split()).casefold(), platform.pk)
        return names

    def _existing(self, rows, user) -> tuple[dict[str, int], set[str]]:
        """The records this file made before, by source id: those the person may see, and the
        ids of those they may not (which read as in use, like any id taken)."""
        column = self.matching.columns.get("source_id")
        if not column:
            return {}, set()
        ids = {cells[self.index[column]].strip() for _, cells in rows if self.index[column] < len(cells)} - {""}
        records = self.model.objects.filter(source=self.matching.source, source_id__in=ids)
        everyone = dict(records.values_list("source_id", "pk"))
        visible = dict(restrict_to_user_platforms(records, user).values_list("source_id", "pk")) \
            if self.model is Ticket else everyone
        return visible, set(everyone) - set(visible)

    def cell(self, cells: list[str], target: Target) -> str:
        position = self.index[self.matching.columns[target.name]]
        return cells[position].strip() if position < len(cells) else ""

    def check(self, number: int, cells: list[str]) -> TrackerImportRow:
        values, problems = {}, []
        for target in self.targets:
            column = self.matching.columns[target.name]
            try:
                values[target.name] = self.read(target, self.cell(cells, target))
            except ValueError as error:
                problems.append([column, str(error)])
        mapped = {target.name for target in self.targets}
        for target in TARGETS[self.into]:
            if target.name not in mapped and target.required and target.name != "kind":
                problems.append([target.label, EMPTY])
        if not problems:
            problems += self.row_rules(values, cells)
        if (source_id := values.get("source_id")) and not problems:
            first = self.rows_by_id.setdefault(source_id, number)
            column = self.matching.columns["source_id"]
            if first != number:
                problems.append([column, REPEATED_ID.format(value=source_id, row=first)])
            elif source_id in self.hidden:
                problems.append([column, ID_IN_USE.format(value=source_id)])
            elif source_id in self.existing:
                values["existing_id"] = self.existing[source_id]
        outcome = TrackerImportRow.Outcome.REJECTED if problems else TrackerImportRow.Outcome.PENDING
        return TrackerImportRow(number=number, cells=cells, values=values, problems=problems, outcome=outcome)

    def read(self, target: Target, text: str):
        """The console's value for one cell, or ValueError saying what is wrong with it."""
        if not text:
            if target.kind == CHOICE:
                return self.blank_choice(target)
            if target.required:
                raise ValueError(EMPTY)
            return "" if target.kind not in (TIME, PERSON, PLATFORM) else None
        if target.kind == TIME:
            return export_time(text, zone=self.zone).isoformat()
        if target.kind == CHOICE:
            console = self.values.get(target.name, {}).get(" ".join(text.split()).casefold(), "")
            if not console:
                raise ValueError(NOT_MATCHED.format(value=text))
            return console
        if target.kind == PERSON:
            return self.people.get(" ".join(text.split()).casefold())
        if target.kind == PLATFORM:
            if (platform_id := self.platforms.get(" ".join(text.split()).casefold())) is None:
                raise ValueError(UNKNOWN_PLATFORM.format(value=text))
            return platform_id
        if target.kind == EMAIL:
            try:
                validate_email(text)
            except ValidationError:
                raise ValueError(NOT_AN_EMAIL.format(value=text)) from None
        if target.max_length and len(text) > target.max_length:
            raise ValueError(TOO_LONG.format(length=len(text), limit=target.max_length))
        return text

    def blank_choice(self, target: Target) -> str:
        if target.name == "kind" and self.matching.default_kind:
            return self.matching.default_kind
        if target.name == "priority":
            return Priority.NORMAL
        if target.required:
            raise ValueError(EMPTY)
        return ""

    def row_rules(self, values: dict, cells: list[str]) -> list[list[str]]:
        """Problems of the row as a whole: the statuses' times, a bug's type."""
        columns = self.matching.columns
        if self.into == TrackerImport.Into.TICKETS:
            if not values.get("kind"):
                return [[columns.get("kind") or "Kind", EMPTY]]
            solved, solved_at = values["status"] in SOLVED_TICKET_STATUSES, "resolved_at"
        else:
            if values.get("issue_type") == NOT_A_BUG:
                issue_type = next(target for target in self.targets if target.name == "issue_type")
                return [[columns["issue_type"], NOT_A_BUG_ROW.format(value=self.cell(cells, issue_type))]]
            if values["status"] == Bug.Status.FIXED and values.get("resolution") == FIXED_AS_WONT_FIX:
                values["status"] = Bug.Status.WONT_FIX
            solved, solved_at = values["status"] in SOLVED_BUG_STATUSES, "fixed_at"
        if not solved:
            values[solved_at] = None
        elif not values.get(solved_at):
            if not values.get("updated_at"):
                return [[columns.get(solved_at) or columns.get("status"), SOLVED_WITHOUT_TIME]]
            values[solved_at] = values["updated_at"]
        problems = []
        for name in (solved_at, "first_responded_at"):
            if values.get(name) and values[name] < values["created_at"] and columns.get(name):
                problems.append([columns[name], BEFORE_CREATED])
        return problems


def tracker_import_start(*, text: str, encoding: str, into: str, file_name: str, person,
                         time_zone: str) -> TrackerImport:
    """An import of `text` begun by `person`: its rows counted, and the matching offered on the
    mapping page kept with it (its preset's, when its columns are an export the console knows).
    OpsError when the text holds no rows to import."""
    headers, rows = export_rows(text)
    preset = preset_for(headers=headers, into=into)
    source = preset.source if preset else ""
    matching = Matching(source=source, columns=initial_columns(headers=headers, into=into, preset=preset),
                        values=initial_values(headers=headers, rows=rows, into=into, preset=preset),
                        time_zone=time_zone)
    return TrackerImport.objects.create(into=into, source=source, file_name=file_name[:255], encoding=encoding,
                                        text=text, headers=headers, row_count=len(rows), created_by=person,
                                        mapping=matching.as_dict())


def tracker_import_check(*, tracker_import: TrackerImport, matching: Matching, user) -> Counter:
    """Check every row of the file against `matching`, keep the rows' results in place of any
    earlier check's, and mark the import checked; the rows by outcome. Writes no ticket or bug."""
    headers, rows = export_rows(tracker_import.text)
    checker = RowChecker(tracker_import=tracker_import, matching=matching, headers=headers, rows=rows, user=user)
    checked = []
    for number, cells in rows:
        row = checker.check(number, cells)
        row.tracker_import = tracker_import
        checked.append(row)
    with transaction.atomic():
        TrackerImport.objects.select_for_update().filter(pk=tracker_import.pk).first()
        tracker_import.rows.all().delete()
        TrackerImportRow.objects.bulk_create(checked, batch_size=ROWS_WRITTEN_AT_ONCE)
        tracker_import.mapping = matching.as_dict()
        tracker_import.row_count = len(checked)
        tracker_import.status = TrackerImport.Status.CHECKED
        tracker_import.save(update_fields=["mapping", "row_count", "status"])
    return Counter(row.outcome for row in checked)
