"""What the import can fill in, and the exports it recognises by their column names: Zendesk's
ticket export and Jira's issue export, with how their values read in the console. A preset only
fills in the mapping page; the person confirms or changes every column and value there."""

from dataclasses import dataclass, field

from support.models import Bug, Priority, Ticket, TicketKind, TrackerImport, TrackerSource
from support.tracker_imports.files import column_values

TEXT, EMAIL, TIME, CHOICE, PERSON, PLATFORM = "text", "email", "time", "choice", "person", "platform"


@dataclass(frozen=True)
class Target:
    """A value the import can fill in from a column. `choices`: the console's values a choice
    column's values are mapped onto."""

    name: str
    label: str
    kind: str = TEXT
    required: bool = False
    max_length: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    help_text: str = ""


SOURCE_ID = Target("source_id", "Id in the source tracker", max_length=64,
                   help_text="Importing the same export again updates the records it made, found by this id.")
SOURCE_REFERENCE = Target("source_reference", "Reference in the source tracker", max_length=64)
CREATED_AT = Target("created_at", "Created at", TIME, required=True,
                    help_text="The SLA clocks run from it.")
UPDATED_AT = Target("updated_at", "Updated at", TIME,
                    help_text="Taken as the time a solved record was solved when no column says, and as "
                              "the time a ticket began waiting on its requester.")

TICKET_TARGETS = (
    SOURCE_ID, SOURCE_REFERENCE,
    Target("subject", "Subject", required=True, max_length=200),
    Target("description", "Description"),
    Target("requester_name", "Requester", required=True, max_length=120),
    Target("requester_email", "Requester email", EMAIL),
    Target("kind", "Kind", CHOICE, choices=tuple(TicketKind.choices),
           help_text="Rows with no value take the kind chosen below."),
    Target("priority", "Priority", CHOICE, choices=tuple(Priority.choices),
           help_text="Rows with no value are Normal."),
    Target("status", "Status", CHOICE, required=True, choices=tuple(Ticket.Status.choices)),
    CREATED_AT, UPDATED_AT,
    Target("first_responded_at", "First replied at", TIME),
    Target("resolved_at", "Solved at", TIME),
    Target("assignee", "Assignee", PERSON,
           help_text="Matched to a person who works tickets by name, username or email; anyone else is left "
                     "unassigned."),
    Target("platform", "Platform", PLATFORM, help_text="A platform's client id or name."),
)

NOT_A_BUG = "not_a_bug"
FIXED_AS_WONT_FIX = "wont_fix"
BUG_TARGETS = (
    SOURCE_ID, SOURCE_REFERENCE,
    Target("title", "Title", required=True, max_length=200),
    Target("issue_type", "Issue type", CHOICE, choices=(("bug", "A bug"), (NOT_A_BUG, "Not a bug: leave it out")),
           help_text="Rows of another type are rejected, to be imported as tickets."),
    Target("steps_to_reproduce", "Steps to reproduce"),
    Target("expected_behaviour", "Expected behaviour"),
    Target("actual_behaviour", "Actual behaviour", help_text="Jira's description goes here."),
    Target("severity", "Severity", CHOICE, required=True, choices=tuple(Bug.Severity.choices)),
    Target("status", "Status", CHOICE, required=True, choices=tuple(Bug.Status.choices)),
    Target("resolution", "Resolution", CHOICE,
           choices=(("fixed", "Fixed"), (FIXED_AS_WONT_FIX, "Not fixed (won't fix, won't do, duplicate)")),
           help_text="A finished bug with a resolution that says it was not fixed is “Won't fix”."),
    CREATED_AT, UPDATED_AT,
    Target("fixed_at", "Fixed at", TIME),
    Target("owner", "Owner", PERSON, help_text="Matched to a person by name, username or email; anyone else "
                                               "is left without an owner."),
)

TARGETS = {TrackerImport.Into.TICKETS: TICKET_TARGETS, TrackerImport.Into.BUGS: BUG_TARGETS}


@dataclass(frozen=True)
class Preset:
    """An export recognised by its column names: which column is which and what its values mean
    (matched without regard to case)."""

    name: str
    source: str
    into: str
    recognised_by: frozenset[str]
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def recognises(self, headers: list[str]) -> bool:
        return self.recognised_by <= {header.casefold() for header in headers}


ZENDESK_TICKET_STATUSES = {
    "new": Ticket.Status.NEW, "open": Ticket.Status.IN_PROGRESS, "pending": Ticket.Status.WAITING_ON_REQUESTER,
    "hold": Ticket.Status.IN_PROGRESS, "on-hold": Ticket.Status.IN_PROGRESS, "solved": Ticket.Status.RESOLVED,
    "closed": Ticket.Status.CLOSED,
}
ZENDESK_PRIORITIES = {"urgent": Priority.URGENT, "high": Priority.HIGH, "normal": Priority.NORMAL,
                      "low": Priority.LOW}
ZENDESK_TYPES = {"question": TicketKind.EXTERNAL_DEV_INQUIRY, "incident": TicketKind.EXTERNAL_OPS_PROBLEM,
                 "problem": TicketKind.EXTERNAL_DEV_PROBLEM, "task": TicketKind.INTERNAL_TASK}
JIRA_TICKET_STATUSES = {
    "open": Ticket.Status.NEW, "to do": Ticket.Status.NEW, "backlog": Ticket.Status.NEW,
    "waiting for support": Ticket.Status.TRIAGED, "selected for development": Ticket.Status.TRIAGED,
    "in progress": Ticket.Status.IN_PROGRESS, "in review": Ticket.Status.IN_PROGRESS,
    "waiting for customer": Ticket.Status.WAITING_ON_REQUESTER, "pending": Ticket.Status.WAITING_ON_REQUESTER,
    "done": Ticket.Status.RESOLVED, "resolved": Ticket.Status.RESOLVED, "closed": Ticket.Status.CLOSED,
}
JIRA_PRIORITIES = {"highest": Priority.URGENT, "blocker": Priority.URGENT, "high": Priority.HIGH,
                   "critical": Priority.HIGH, "medium": Priority.NORMAL, "major": Priority.NORMAL,
                   "low": Priority.LOW, "lowest": Priority.LOW, "minor": Priority.LOW, "trivial": Priority.LOW}
JIRA_TYPES = {"bug": TicketKind.EXTERNAL_DEV_PROBLEM, "problem": TicketKind.EXTERNAL_DEV_PROBLEM,
              "incident": TicketKind.EXTERNAL_OPS_PROBLEM, "question": TicketKind.EXTERNAL_DEV_INQUIRY,
              "service request": TicketKind.EXTERNAL_DEV_INQUIRY, "support": TicketKind.EXTERNAL_DEV_INQUIRY,
              "task": TicketKind.INTERNAL_TASK, "sub-task": TicketKind.INTERNAL_TASK,
              "story": TicketKind.INTERNAL_TASK}
JIRA_BUG_STATUSES = {"open": Bug.Status.OPEN, "to do": Bug.Status.OPEN, "backlog": Bug.Status.OPEN,
                     "reopened": Bug.Status.OPEN, "selected for development": Bug.Status.OPEN,
                     "in progress": Bug.Status.IN_PROGRESS, "in review": Bug.Status.IN_PROGRESS,
                     "done": Bug.Status.FIXED, "resolved": Bug.Status.FIXED, "closed": Bug.Status.FIXED,
                     "fixed": Bug.Status.FIXED, "won't fix": Bug.Status.WONT_FIX, "won't do": Bug.Status.WONT_FIX}
JIRA_SEVERITIES = {"highest": Bug.Severity.S1, "blocker": Bug.Severity.S1, "high": Bug.Severity.S2,
                   "critical": Bug.Severity.S2, "medium": Bug.Severity.S3, "major": Bug.Severity.S3,
                   "low": Bug.Severity.S4, "lowest": Bug.Severity.S4, "minor": Bug.Severity.S4,
                   "trivial": Bug.Severity.S4}
JIRA_BUG_TYPES = {"bug": "bug", "task": NOT_A_BUG, "story": NOT_A_BUG, "epic": NOT_A_BUG, "sub-task": NOT_A_BUG,
                  "improvement": NOT_A_BUG, "new feature": NOT_A_BUG}
JIRA_RESOLUTIONS = {"done": "fixed", "fixed": "fixed", "won't fix": FIXED_AS_WONT_FIX,
                    "won't do": FIXED_AS_WONT_FIX, "duplicate": FIXED_AS_WONT_FIX,
                    "cannot reproduce": FIXED_AS_WONT_FIX, "declined": FIXED_AS_WONT_FIX}

JIRA_RECOGNISED_BY = frozenset({"summary", "issue key", "issue id", "issue type", "status"})
PRESETS = (
    Preset(
        name="Zendesk ticket export", source=TrackerSource.ZENDESK, into=TrackerImport.Into.TICKETS,
        recognised_by=frozenset({"id", "subject", "requester", "status", "created at"}),
        columns={"source_id": "Id", "subject": "Subject", "description": "Description", "requester_name": "Requester",
                 "requester_email": "Requester email", "kind": "Type", "priority": "Priority", "status": "Status",
                 "created_at": "Created at", "updated_at": "Updated at", "resolved_at": "Solved at",
                 "assignee": "Assignee", "platform": "Organization"},
        values={"status": ZENDESK_TICKET_STATUSES, "priority": ZENDESK_PRIORITIES, "kind": ZENDESK_TYPES},
    ),
    Preset(
        name="Jira issue export", source=TrackerSource.JIRA, into=TrackerImport.Into.TICKETS,
        recognised_by=JIRA_RECOGNISED_BY,
        columns={"source_id": "Issue id", "source_reference": "Issue key", "subject": "Summary",
                 "description": "Description", "requester_name": "Reporter", "kind": "Issue Type",
                 "priority": "Priority", "status": "Status", "created_at": "Created", "updated_at": "Updated",
                 "resolved_at": "Resolved", "assignee": "Assignee"},
        values={"status": JIRA_TICKET_STATUSES, "priority": JIRA_PRIORITIES, "kind": JIRA_TYPES},
    ),
    Preset(
        name="Jira issue export", source=TrackerSource.JIRA, into=TrackerImport.Into.BUGS,
        recognised_by=JIRA_RECOGNISED_BY,
        columns={"source_id": "Issue id", "source_reference": "Issue key", "title": "Summary",
                 "issue_type": "Issue Type", "actual_behaviour": "Description", "severity": "Priority",
                 "status": "Status", "resolution": "Resolution", "created_at": "Created", "updated_at": "Updated",
                 "fixed_at": "Resolved", "owner": "Assignee"},
        values={"status": JIRA_BUG_STATUSES, "severity": JIRA_SEVERITIES, "issue_type": JIRA_BUG_TYPES,
                "resolution": JIRA_RESOLUTIONS},
    ),
)


def preset_for(*, headers: list[str], into: str) -> Preset | None:
    """The preset of the export these column names are from, for importing into `into`."""
    return next((preset for preset in PRESETS if preset.into == into and preset.recognises(headers)), None)


def initial_columns(*, headers: list[str], into: str, preset: Preset | None) -> dict[str, str]:
    """Each target's column as first offered: the preset's, else a column named like the
    target, else none. Column names are the file's own spelling."""
    by_name = {header.casefold(): header for header in headers}
    columns = {}
    for target in TARGETS[into]:
        wanted = [preset.columns.get(target.name, "")] if preset else []
        wanted += [target.name, target.label]
        columns[target.name] = next((by_name[name.casefold()] for name in wanted if name.casefold() in by_name), "")
    return columns


def value_matches(*, target: Target, values: list[str], preset: Preset | None) -> dict[str, str]:
    """Each of a choice column's `values` as first offered: the preset's reading, else the console
    value it spells ("in_progress" or "In progress"), else none."""
    known = {word.casefold(): value for value, label in target.choices for word in (value, label)}
    known.update(preset.values.get(target.name, {}) if preset else {})
    return {value: known.get(value.casefold(), "") for value in values}


def initial_values(*, headers: list[str], rows, into: str, preset: Preset | None) -> dict[str, dict[str, str]]:
    """Each choice column's values as first offered (`value_matches`)."""
    columns = initial_columns(headers=headers, into=into, preset=preset)
    return {target.name: value_matches(target=target, preset=preset,
                                       values=column_values(headers=headers, rows=rows, column=columns[target.name]))
            for target in TARGETS[into] if target.kind == CHOICE and columns.get(target.name)}
