"""Bank batch files: direct debits collected from buyers and credits paid out to sellers."""

from django.db import models
from simple_history.models import HistoricalRecords

from accounts.models import BankAccount, Customer
from opsconsole.money import Currency
from payments.models import Charge, Disbursement


class Network(models.TextChoices):
    ACH = "ach", "ACH (United States)"
    BECS = "becs", "BECS direct entry (Australia)"


class Direction(models.TextChoices):
    DEBIT = "debit", "Debit"
    CREDIT = "credit", "Credit"


class Batch(models.Model):
    """One file sent to the bank. Entries added before `cutoff_at` go out that business day."""

    class Status(models.TextChoices):
        OPEN = "open", "Open, collecting entries"
        SUBMITTED = "submitted", "Submitted to the bank"
        ACKNOWLEDGED = "acknowledged", "Acknowledged by the bank"
        SETTLED = "settled", "Settled"
        FAILED = "failed", "Failed"

    reference = models.CharField(max_length=32, unique=True)
    network = models.CharField(max_length=8, choices=Network.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    processing_date = models.DateField(help_text="The business day the bank is asked to process it.")
    cutoff_at = models.DateTimeField("cut-off", help_text="The bank's cut-off for that processing day.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    total_amount = models.BigIntegerField(default=0)
    # Reprocess runs that finished on this batch. The next one is round `reprocess_count + 1`, and
    # an entry it already resubmitted carries that round: a repeated or racing run skips it.
    reprocess_count = models.PositiveIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    # A batch carries entries of many platforms: everyone who may view batches sees every batch,
    # and on its page only the entries of their own platforms (docs/decisions/0038-access-by-platform.md).
    platform_scope = None

    class Meta:
        ordering = ["-processing_date", "-id"]
        verbose_name_plural = "batches"
        indexes = [
            models.Index(fields=["status", "processing_date"], name="batch_status_date_idx"),
            models.Index(fields=["processing_date"], name="batch_processing_date_idx"),
        ]

    def __str__(self):
        return self.reference

    @property
    def missed_cutoff(self) -> bool:
        return self.submitted_at is not None and self.submitted_at > self.cutoff_at


class BatchEntry(models.Model):
    """One line of a batch file: a direct debit of a buyer or a credit to a seller."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUBMITTED = "submitted", "Submitted"
        SETTLED = "settled", "Settled"
        RETURNED = "returned", "Returned by the bank"
        REJECTED = "rejected", "Rejected before submission"

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="entries")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="batch_entries")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="batch_entries")
    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, null=True, blank=True, related_name="batch_entries")
    disbursement = models.ForeignKey(Disbursement, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="batch_entries")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    trace_number = models.CharField(max_length=32, unique=True)
    return_code = models.CharField(max_length=4, blank=True,
                                   help_text="The bank's return reason code (ACH R-code or BECS code).")
    returned_at = models.DateTimeField(null=True, blank=True)
    validation_error = models.CharField(max_length=255, blank=True)
    reprocess_round = models.PositiveIntegerField(
        default=0, db_default=0, help_text="The batch's reprocess round that last resubmitted this entry (0: none).")
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    platform_scope = "customer__platform"

    class Meta:
        ordering = ["batch_id", "id"]
        verbose_name_plural = "batch entries"
        indexes = [
            models.Index(fields=["batch", "status"], name="batchentry_batch_status_idx"),
            # The entry list filtered by a bank's return code, newest first: returns are rare, so
            # only they are indexed.
            models.Index(fields=["return_code", "id"], condition=~models.Q(return_code=""),
                         name="batchentry_returned_idx"),
        ]

    def __str__(self):
        return f"{self.batch_id}/{self.trace_number}"
