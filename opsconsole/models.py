"""Core records of the console."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from simple_history.models import HistoricalRecords

from opsconsole.people import person_name

# A run in one of these statuses holds its target: no second run of its conflict group may join it.
ACTIVE_RUN_STATUSES = ("awaiting_approval", "queued", "running")


class TaskRun(models.Model):
    """One request to run a task, and everything that happened to it. Never edited by people:
    only the framework moves it along its statuses, and nothing deletes it."""

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        REJECTED = "rejected", "Rejected"
        DECLINED = "declined", "Declined by approver"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        WEB = "web", "Web"
        CLI = "cli", "Command line"

    FINISHED = {Status.SUCCEEDED, Status.REJECTED, Status.DECLINED, Status.FAILED}

    task_slug = models.CharField(max_length=64)
    task_title = models.CharField(max_length=200)
    # Runs of one group exclude each other on one target (`OpsTask.conflict_group`).
    conflict_group = models.CharField(max_length=64, blank=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    target_id = models.CharField("target ID", max_length=64, blank=True)
    target_repr = models.CharField("target as recorded", max_length=255, blank=True)
    # The target's platform when it has one, so that people limited to some platforms see only
    # their runs (opsconsole/platform_access.py); empty for targets of no platform (a batch).
    platform = models.ForeignKey("accounts.Platform", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="task_runs")
    requested_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    params = models.JSONField("parameters", default=dict, blank=True)
    reason = models.TextField(blank=True)
    ticket_reference = models.CharField(max_length=64, blank=True)
    # What the person confirmed, worked out when they asked; and what the run changed, worked out
    # under the target's lock when it executed. They differ when the record moved in between.
    previewed_diff = models.JSONField("changes previewed", default=list, blank=True)
    diff = models.JSONField("changes", default=list, blank=True)
    status = models.CharField(max_length=24, choices=Status.choices)
    outcome = models.TextField(blank=True, help_text="The result, the reason for a refusal, or the error.")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="approved_task_runs"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approval_comment = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField("duration (ms)", null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    blocked_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="refused for",
        help_text="The run in progress on the same object that this request was refused for.")
    progress_done = models.PositiveIntegerField("units done", default=0)
    progress_total = models.PositiveIntegerField("units of work", default=0)
    chunks_committed = models.PositiveIntegerField(default=0)
    # Background runs: where a resumed run carries on from, what it has tallied so far, and
    # when a worker last showed it was alive (the sweep takes over runs whose worker died).
    checkpoint = models.JSONField(null=True, blank=True)
    tally = models.JSONField(default=dict, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField("last heartbeat", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    platform_scope = "platform"  # the target's platform, recorded with the run

    class Meta:
        ordering = ["-id"]
        permissions = [("approve_taskrun", "Can approve or decline another person's task request")]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="taskrun_status_idx"),
            models.Index(fields=["target_type", "target_id"], name="taskrun_target_idx"),
            models.Index(fields=["requested_by", "requested_at"], name="taskrun_requester_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "conflict_group"],
                condition=models.Q(status__in=ACTIVE_RUN_STATUSES),
                name="taskrun_one_active_per_target",
                violation_error_message="Another run of this task is already in progress on this object.",
            ),
        ]

    def __str__(self):
        return f"Run #{self.pk}: {self.task_title} on {self.target_repr}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def preview_differs(self) -> bool:
        """Whether what was applied is not what the person saw when they confirmed."""
        return bool(self.previewed_diff) and self.previewed_diff != self.diff

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return min(100, self.progress_done * 100 // self.progress_total)


class StaffPlatformAccess(models.Model):
    """Limits one staff member to some platforms' data (opsconsole/platform_access.py).

    A person without this record sees every platform, as everyone does by default; a person with
    it sees only the platforms it lists, and none at all while it lists none."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="platform_access")
    platforms = models.ManyToManyField(
        "accounts.Platform", blank=True, related_name="+",
        help_text="The only platforms whose data this person sees. None chosen: no platform's data.",
    )
    history = HistoricalRecords(m2m_fields=[platforms])

    platform_scope = None  # staff settings, not a platform's data

    class Meta:
        verbose_name = "platform restriction"

    def __str__(self):
        return f"Platforms {person_name(self.user)} may see"
