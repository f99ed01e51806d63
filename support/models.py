"""The support team's workspace: tickets and their conversation, the bug queue, saved answers,
the knowledge base, and the weekly on-duty rota."""

from collections import Counter

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Platform


class TicketKind(models.TextChoices):
    """The five kinds of ticket the support team receives (DESIGN section 1)."""

    INTERNAL_TASK = "internal_task", "Internal task"
    INTERNAL_OPS_PROBLEM = "internal_ops_problem", "Internal ops problem"
    EXTERNAL_OPS_PROBLEM = "external_ops_problem", "External ops problem"
    EXTERNAL_DEV_INQUIRY = "external_dev_inquiry", "External dev inquiry"
    EXTERNAL_DEV_PROBLEM = "external_dev_problem", "External dev problem"


class Priority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


class TrackerSource(models.TextChoices):
    """The tracker a ticket or bug was imported from; blank for one made in the console."""

    ZENDESK = "zendesk", "Zendesk"
    JIRA = "jira", "Jira"


class ImportedFromTracker(models.Model):
    """Where a record imported from another tracker came from: importing the same export again
    finds it by its source and id and updates it instead of adding a second one."""

    source = models.CharField(max_length=16, choices=TrackerSource.choices, blank=True)
    source_id = models.CharField("ID in the source tracker", max_length=64, blank=True)
    source_reference = models.CharField("Reference in the source tracker", max_length=64, blank=True,
                                        help_text="The key people quoted there, such as SUP-123 in Jira.")

    class Meta:
        abstract = True


class Bug(ImportedFromTracker):
    """A bug found in support, kept in the support team's own queue, not the product backlog."""

    class Severity(models.TextChoices):
        S1 = "s1", "S1: critical"
        S2 = "s2", "S2: major"
        S3 = "s3", "S3: minor"
        S4 = "s4", "S4: cosmetic"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        FIXED = "fixed", "Fixed"
        WONT_FIX = "wont_fix", "Won't fix"

    title = models.CharField(max_length=200)
    steps_to_reproduce = models.TextField()
    expected_behaviour = models.TextField()
    actual_behaviour = models.TextField()
    affected_platforms = models.ManyToManyField(Platform, blank=True, related_name="support_bugs")
    severity = models.CharField(max_length=2, choices=Severity.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="owned_bugs")
    created_at = models.DateTimeField(default=timezone.now)  # an imported bug keeps its own time
    fix_due_at = models.DateTimeField(help_text="From the severity's fix-time target.")
    fixed_at = models.DateTimeField(null=True, blank=True)
    articles = models.ManyToManyField("Article", blank=True, related_name="bugs",
                                      help_text="Knowledge-base articles about this bug or its workaround.")
    history = HistoricalRecords()

    # The support team's own queue: a bug may affect many platforms and holds no platform's data.
    platform_scope = None

    class Meta:
        ordering = ["status", "severity", "fix_due_at"]
        indexes = [models.Index(fields=["status", "severity"], name="bug_status_severity_idx")]
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], condition=~models.Q(source_id=""),
                                               name="bug_source_id_unique")]

    def __str__(self):
        return f"BUG-{self.pk}: {self.title}"


class Ticket(ImportedFromTracker):
    class Status(models.TextChoices):
        NEW = "new", "New"
        TRIAGED = "triaged", "Triaged"
        IN_PROGRESS = "in_progress", "In progress"
        WAITING_ON_REQUESTER = "waiting_on_requester", "Waiting on requester"
        WAITING_ON_BUG = "waiting_on_bug", "Waiting on bug"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Resolution(models.TextChoices):
        ANSWERED = "answered", "Answered"
        SELF_SERVED = "self_served", "Resolved by a task run"
        EXPLAINED = "explained", "Answered from the console's explanation"
        DUPLICATE = "duplicate", "Duplicate"
        DECLINED = "declined", "Declined"

    class SlaState(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        BREACHED = "breached", "Breached"
        MET = "met", "Met"

    reference = models.CharField(max_length=16, unique=True, help_text="SUP-123; quoted on task runs.")
    kind = models.CharField(max_length=24, choices=TicketKind.choices)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.NEW)
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    subject = models.CharField(max_length=200)
    description = models.TextField()
    requester_name = models.CharField(max_length=120)
    # Blank only for a ticket imported from a tracker whose export names no email (Jira's); the
    # ticket form asks for one.
    requester_email = models.EmailField(blank=True)
    requester_staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="requested_tickets", verbose_name="requesting colleague",
                                        help_text="When a colleague asked.")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="assigned_tickets")
    customer_affected = models.BooleanField(default=False)
    bug = models.ForeignKey(Bug, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets")
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates")
    decline_reason = models.TextField(blank=True)
    needs_follow_up = models.BooleanField("needs follow-up", default=False,
                                          help_text="Its bug was fixed: tell the requester.")
    created_at = models.DateTimeField()
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    first_response_sla = models.CharField("first-response SLA", max_length=16, choices=SlaState.choices,
                                          default=SlaState.ON_TRACK)
    resolution_sla = models.CharField("resolution SLA", max_length=16, choices=SlaState.choices,
                                      default=SlaState.ON_TRACK)
    articles_used = models.ManyToManyField("Article", blank=True, related_name="used_on_tickets",
                                           help_text="Knowledge-base articles that answered this ticket.")
    history = HistoricalRecords()

    platform_scope = "platform"  # a ticket about no platform is everyone's

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "priority", "created_at"], name="ticket_queue_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
            models.Index(fields=["resolution_sla", "status"], name="ticket_sla_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], condition=~models.Q(source_id=""),
                                               name="ticket_source_id_unique")]

    def __str__(self):
        return f"{self.reference}: {self.subject}"


class TicketPause(models.Model):
    """A stretch of time the SLA clocks stood still: the ticket was waiting on its requester."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]


class TicketLink(models.Model):
    """A payments record the ticket concerns: a customer, item, charge, disbursement, batch or callback."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links")
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    target_id = models.CharField("target ID", max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    label = models.CharField(max_length=200)
    # A link can be retargeted or removed from the ticket's page; who did so stays on record.
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target_type", "target_id"], name="ticket_link_unique"),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="ticketlink_target_idx")]

    def __str__(self):
        return self.label


class TicketMessage(models.Model):
    """A reply to the requester, or an internal note the requester never sees."""

    class Visibility(models.TextChoices):
        REPLY = "reply", "Reply to the requester"
        INTERNAL = "internal", "Internal note"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    # The staff member who wrote it here, or who imported it: never a name read from a file.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visibility = models.CharField(max_length=8, choices=Visibility.choices)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)  # an imported note keeps its own time
    # An imported note says where it came from: the file's author as text, and who imported it, when
    # and from which file, so that nobody passes a note off as a colleague's.
    source_author = models.CharField(max_length=150, blank=True,
                                     help_text="Who wrote it in the tracker it was imported from, as the file says.")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_from = models.CharField(max_length=255, blank=True)
    history = HistoricalRecords()

    platform_scope = "ticket__platform"

    class Meta:
        ordering = ["created_at", "id"]

    @property
    def is_imported(self) -> bool:
        return self.imported_at is not None


class SavedAnswer(models.Model):
    """A macro: a reply with placeholders ({requester_name}, {reference}, {platform}) filled from the ticket."""

    title = models.CharField(max_length=120, unique=True)
    body = models.TextField()
    kind = models.CharField(max_length=24, choices=TicketKind.choices, blank=True,
                            help_text="Offered for this kind; blank for all.")
    history = HistoricalRecords()

    platform_scope = None

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class Article(models.Model):
    """A knowledge-base article the team answers with and links to."""

    class Category(models.TextChoices):
        CALLBACKS = "callbacks", "Callbacks"
        SDKS = "sdks", "SDKs"
        TESTING = "testing", "Testing"
        PAYMENTS = "payments", "Payments"
        BATCHES = "batches", "Batches"
        OTHER = "other", "Other"

    class Visibility(models.TextChoices):
        INTERNAL = "internal", "Internal"
        SHAREABLE = "shareable", "Shareable with platforms"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    category = models.CharField(max_length=16, choices=Category.choices, default=Category.OTHER)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.INTERNAL,
                                  help_text="Shareable articles may be sent to a platform's developers as they are.")
    body = models.TextField()
    tags = models.CharField(max_length=200, blank=True, help_text="Comma-separated.")
    is_published = models.BooleanField("published", default=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    platform_scope = None

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class RotaWeek(models.Model):
    """Who is on duty (triages, and new tickets default to) and who leads the week (escalations)."""

    week_starting = models.DateField(unique=True, help_text="A Monday.")
    on_duty = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    platform_scope = None

    class Meta:
        ordering = ["-week_starting"]

    def __str__(self):
        return f"Week of {self.week_starting:%d %b %Y}"


class RotaSwap(models.Model):
    """A recorded change of who is on duty for a week."""

    week = models.ForeignKey(RotaWeek, on_delete=models.PROTECT, related_name="swaps")
    previous_on_duty = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    new_on_duty = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200)
    swapped_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    swapped_at = models.DateTimeField(auto_now_add=True)


class TrackerImport(models.Model):
    """An export of another tracker on its way in: the file's text, which column is which, how its
    values read in the console, and what became of each row (`TrackerImportRow`). Seen and
    imported only by the person who uploaded it; imported by the `import-tracker-file` task."""

    class Into(models.TextChoices):
        TICKETS = "tickets", "Tickets"
        BUGS = "bugs", "Bugs"

    class Status(models.TextChoices):
        MAPPING = "mapping", "Columns being matched"
        CHECKED = "checked", "Checked, waiting to be imported"
        IMPORTED = "imported", "Imported"

    into = models.CharField(max_length=8, choices=Into.choices)
    source = models.CharField(max_length=16, choices=TrackerSource.choices, blank=True,
                              help_text="The tracker whose export this is, recognised by its columns.")
    file_name = models.CharField(max_length=255)
    encoding = models.CharField(max_length=32, help_text="How the file's bytes were read.")
    text = models.TextField()
    headers = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    mapping = models.JSONField(default=dict, help_text="Columns, value maps and defaults, as last confirmed.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.MAPPING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    platform_scope = None  # a file may hold several platforms' tickets: only its metadata is listed

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import of {self.file_name} into {self.get_into_display().lower()}"

    def rows_by_outcome(self) -> Counter:
        """How many of its rows have each outcome (one query)."""
        counts = self.rows.order_by().values_list("outcome").annotate(count=models.Count("pk"))
        return Counter(dict(counts))

    def rows_to_update(self) -> int:
        """How many of its rows still to import name a record an earlier import made (one query)."""
        return self.rows.filter(outcome=TrackerImportRow.Outcome.PENDING, values__has_key="existing_id").count()


class TrackerImportRow(models.Model):
    """One row of an import as checked: the file's cells, the values they give in the console, the
    problems that keep it out, and, once imported, the record it created or changed."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "To import"
        REJECTED = "rejected", "Rejected"
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        UNCHANGED = "unchanged", "Unchanged"
        LEFT_OUT = "left_out", "Left out"

    tracker_import = models.ForeignKey(TrackerImport, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(help_text="Its row in the file, counting the column names as row 1.")
    cells = models.JSONField(default=list)
    values = models.JSONField(default=dict)
    problems = models.JSONField(default=list, help_text="[column, problem] pairs.")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    record_id = models.BigIntegerField("record ID", null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["tracker_import", "number"], name="tracker_import_row_unique")]
