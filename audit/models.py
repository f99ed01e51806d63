"""The audit trail: one append-only, hash-chained record per thing that happened.

Task runs are rows that move through their statuses; the trail records each move as its own
event, so nothing in it is ever updated. PostgreSQL refuses UPDATE and DELETE on it with a
trigger (see the migration); the ORM refuses them here for every database.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from opsconsole.people import person_name


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit record."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only: they cannot be changed.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only: they cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only: they cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only: they cannot be deleted.")


class AuditEvent(AppendOnlyModel):
    """Who did what, when, from where, to which object, and whether it worked (PCI DSS 10.2.2)."""

    class Action(models.TextChoices):
        TASK_REQUESTED = "task.requested", "Task requested"
        TASK_REFUSED = "task.refused", "Task refused"
        TASK_APPROVED = "task.approved", "Task approved"
        TASK_DECLINED = "task.declined", "Task declined"
        TASK_SUCCEEDED = "task.succeeded", "Task succeeded"
        TASK_FAILED = "task.failed", "Task failed"
        TASK_RESUMED = "task.resumed", "Task resumed"
        LOGIN = "auth.login", "Signed in"
        LOGIN_FAILED = "auth.login_failed", "Sign-in failed"
        LOCKED_OUT = "auth.locked_out", "Locked out"
        LOGOUT = "auth.logout", "Signed out"
        SECOND_FACTOR_ENROLLED = "auth.2fa_enrolled", "Second factor enrolled"
        SECOND_FACTOR_FAILED = "auth.2fa_failed", "Second factor failed"
        RECOVERY_CODE_USED = "auth.recovery_code_used", "Recovery code used"
        SECOND_FACTOR_RESET = "auth.2fa_reset", "Second factor reset"
        EXPORT = "data.export", "Data exported"
        IMPORT = "data.import", "Data imported"
        REVEAL = "data.reveal", "Sensitive value revealed"
        REVIEW = "audit.review", "Audit review"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"

    class Source(models.TextChoices):
        WEB = "web", "Web"
        CLI = "cli", "Command line"
        WORKER = "worker", "Background worker"
        SYSTEM = "system", "System"

    occurred_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="audit_events")
    # Kept as text too: a failed sign-in names a user who may not exist.
    actor_name = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    object_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    object_id = models.CharField("object ID", max_length=64, blank=True)
    object_repr = models.CharField("object as recorded", max_length=255, blank=True)
    task_run = models.ForeignKey("opsconsole.TaskRun", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="audit_events")
    task_slug = models.CharField(max_length=64, blank=True)
    high_risk = models.BooleanField(default=False)
    summary = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    record_hash = models.CharField(max_length=64, unique=True)

    # Not limited by platform: its reviewers read the trail whole (docs/decisions/0038-access-by-platform.md).
    platform_scope = None

    class Meta:
        ordering = ["-id"]
        permissions = [("review_auditevent", "Can review the audit trail and flag entries")]
        indexes = [
            models.Index(fields=["actor", "occurred_at"], name="audit_actor_idx"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_idx"),
            models.Index(fields=["task_slug", "occurred_at"], name="audit_task_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_action_display()} by {self.actor_name or 'system'}"

    @property
    def actor_display_name(self) -> str:
        """Who did it, as pages name people (opsconsole/people.py); the username as recorded when
        it names nobody on the staff (a failed sign-in names whatever was typed); "system" for the
        console's own jobs. Select `actor` with the events that show it."""
        if self.actor_id is not None:
            return person_name(self.actor)
        return self.actor_name or "system"


class AuditArchive(AppendOnlyModel):
    """A stretch of the trail moved to a file by `archive_audit`: where the on-line chain now
    starts, and the file's own checksum so the archived part stays verifiable."""

    archived_at = models.DateTimeField()
    archived_by = models.CharField(max_length=150)
    older_than = models.DateTimeField(help_text="Every event before this time is in the file.")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField("file SHA-256", max_length=64)
    event_count = models.PositiveIntegerField()
    first_id = models.BigIntegerField("first event ID")
    last_id = models.BigIntegerField("last event ID")
    first_previous_hash = models.CharField(max_length=64)
    last_hash = models.CharField(max_length=64)

    platform_scope = None

    class Meta:
        ordering = ["-last_id"]

    def __str__(self):
        return f"Events #{self.first_id}–#{self.last_id} in {self.file_name}"


class AuditVerification(AppendOnlyModel):
    """One walk of the chain by `verify_audit` or its periodic job, and what it found."""

    checked_at = models.DateTimeField()
    checked_by = models.CharField(max_length=150, help_text="A username, or the periodic job.")
    intact = models.BooleanField()
    events_checked = models.PositiveIntegerField()
    first_broken_id = models.BigIntegerField("first broken event ID", null=True, blank=True)
    message = models.TextField(blank=True)

    platform_scope = None

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{'Intact' if self.intact else 'BROKEN'} at {self.checked_at:%Y-%m-%d %H:%M}"


class AuditReviewMark(AppendOnlyModel):
    """A reviewer's verdict on one event. A later mark on the same event supersedes an earlier
    one; both stay on the record."""

    class Verdict(models.TextChoices):
        REVIEWED = "reviewed", "Reviewed"
        FLAGGED = "flagged", "Flagged"

    # No database constraint: `archive_audit` moves old events to a file, and the marks on them
    # stay on-line, still naming the event by its id.
    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="review_marks", db_constraint=False)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField()
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["event", "-id"], name="audit_mark_event_idx")]

    def __str__(self):
        return f"{self.get_verdict_display()} #{self.event_id} by {person_name(self.reviewer)}"


class AuditReview(AppendOnlyModel):
    """A completed daily review: who reviewed which stretch of the trail, and when. The next
    review starts after `last_event_id`."""

    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField()
    first_event_id = models.BigIntegerField("first event ID")
    last_event_id = models.BigIntegerField("last event ID")
    event_count = models.PositiveIntegerField()
    flagged_count = models.PositiveIntegerField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"Review of #{self.first_event_id}–#{self.last_event_id} by {person_name(self.reviewer)}"


class AuditCheckpoint(AppendOnlyModel):
    """Where the chain's head was when it was last checked or archived, sealed with a key the
    database does not hold (audit/checkpoints.py). The same line goes to a file beside the
    archives, so a trail emptied or cut short behind the application's back is reported."""

    written_at = models.DateTimeField()
    written_by = models.CharField(max_length=150, help_text="A username, the periodic job or an archive.")
    last_id = models.BigIntegerField("last event ID")
    last_hash = models.CharField(max_length=64)
    seal = models.CharField(max_length=255)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"Checkpoint at #{self.last_id} ({self.written_at:%Y-%m-%d %H:%M})"
