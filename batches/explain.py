"""Why has this batch not been processed?"""

from django.utils import timezone
from django.utils.formats import date_format

from batches.calendar import calendar_for
from batches.models import Batch
from batches.selectors import (
    STUCK_AFTER, batch_effective_processing_date, batch_expected_clearing_date, batch_invalid_entries,
    batch_is_stuck,
)
from opsconsole.explaining.base import Evidence, Explanation, SuggestedTask, Verdict
from opsconsole.explaining.registry import register


def day(value) -> str:
    return date_format(value, "l j F Y")


def moment(value, calendar) -> str:
    return date_format(timezone.localtime(value, calendar.time_zone), "D j M Y, H:i T")


@register
class BatchProcessing(Explanation):
    model = Batch
    question = "Why has this batch not been processed?"

    def explain(self, batch):
        calendar = calendar_for(batch.network)
        evidence = [
            Evidence("Status", batch.get_status_display(), batch),
            Evidence("Processing day", day(batch.processing_date)),
            Evidence("Cut-off", moment(batch.cutoff_at, calendar)),
        ]
        if batch.submitted_at:
            evidence.append(Evidence("Submitted", moment(batch.submitted_at, calendar)))
        handler = {
            Batch.Status.OPEN: self.open,
            Batch.Status.SUBMITTED: self.submitted,
            Batch.Status.ACKNOWLEDGED: self.acknowledged,
            Batch.Status.FAILED: self.failed,
            Batch.Status.SETTLED: self.settled,
        }[batch.status]
        return handler(batch, calendar, evidence)

    def open(self, batch, calendar, evidence):
        holiday = calendar.holiday_name(batch.processing_date)
        next_day = day(batch_effective_processing_date(batch=batch))
        if holiday:
            return Verdict(
                "batch.bank_holiday",
                f"Batch {batch.reference} is scheduled for {day(batch.processing_date)}, which is {holiday}, a bank "
                f"holiday: the bank does not process files that day. It will be processed on {next_day}.",
                "Nothing to do: tell anyone waiting that the money moves on the next business day.",
                [*evidence, Evidence("Holiday", holiday)],
            )
        if batch.processing_date.weekday() >= 5:
            return Verdict(
                "batch.weekend",
                f"Batch {batch.reference} is scheduled for a {date_format(batch.processing_date, 'l')}: banks do not "
                f"process files at weekends. It will be processed on {next_day}.",
                "Nothing to do: it goes out on the next business day.", evidence,
            )
        if timezone.now() < batch.cutoff_at:
            return Verdict(
                "batch.before_cutoff",
                f"Batch {batch.reference} is still collecting entries: it goes to the bank at the "
                f"{moment(batch.cutoff_at, calendar)} cut-off.",
                "Nothing to do: entries added before the cut-off go out today.", evidence,
            )
        return Verdict(
            "batch.not_submitted_after_cutoff",
            f"Batch {batch.reference} passed its cut-off at {moment(batch.cutoff_at, calendar)} but was never "
            "submitted to the bank.",
            "Escalate to the payments engineers on call: the batch submitter did not run.", evidence,
        )

    def submitted(self, batch, calendar, evidence):
        if batch_is_stuck(batch=batch):
            hours = int((timezone.now() - batch.submitted_at).total_seconds() // 3600)
            return Verdict(
                "batch.stuck",
                f"Batch {batch.reference} was submitted {hours} hours ago and the bank has not acknowledged it; "
                f"banks acknowledge within {int(STUCK_AFTER.total_seconds() // 3600)} hours at most.",
                "Check with the bank that the file arrived, then reprocess the batch.",
                evidence, retry_can_help=True, task=reprocess(batch),
            )
        if batch.missed_cutoff:
            return self.late(batch, calendar, evidence)
        return Verdict(
            "batch.awaiting_acknowledgement",
            f"Batch {batch.reference} went to the bank at {moment(batch.submitted_at, calendar)}; the bank has not "
            "acknowledged it yet.",
            "Wait for the bank's acknowledgement; it usually comes within two hours.", evidence,
        )

    def late(self, batch, calendar, evidence):
        return Verdict(
            "batch.submitted_after_cutoff",
            f"Batch {batch.reference} was submitted at {moment(batch.submitted_at, calendar)}, after the "
            f"{moment(batch.cutoff_at, calendar)} cut-off, so the bank processes it a business day later, on "
            f"{day(batch_effective_processing_date(batch=batch))}; its money clears on "
            f"{day(batch_expected_clearing_date(batch=batch))}.",
            "Nothing to do: it is only late, not lost.", evidence,
        )

    def acknowledged(self, batch, calendar, evidence):
        if batch.missed_cutoff:
            return self.late(batch, calendar, evidence)
        return Verdict(
            "batch.awaiting_settlement",
            f"The bank acknowledged batch {batch.reference}; it settles on "
            f"{day(batch_expected_clearing_date(batch=batch))}.",
            "Nothing to do: wait for settlement.", evidence,
        )

    def failed(self, batch, calendar, evidence):
        invalid = batch_invalid_entries(batch=batch)
        evidence = [*evidence, Evidence("Failure", batch.failure_reason or "none recorded")]
        evidence += [Evidence(f"Entry {entry.trace_number}", entry.validation_error or
                              f"bank account {entry.bank_account.get_status_display().lower()}", entry) for entry in invalid]
        if invalid:
            return Verdict(
                "batch.failed.invalid_account",
                f"The bank rejected batch {batch.reference}: {len(invalid)} of its entries have invalid account details.",
                "Reprocess the batch: entries with invalid accounts are skipped and listed, the rest go again. "
                "Then ask those customers for correct bank details.",
                evidence, retry_can_help=True, task=reprocess(batch),
            )
        return Verdict(
            "batch.failed.validation",
            f"Batch {batch.reference} failed: {batch.failure_reason or 'no reason was recorded'}.",
            "Reprocess the batch once the cause is fixed.", evidence, retry_can_help=True, task=reprocess(batch),
        )

    def settled(self, batch, calendar, evidence):
        return Verdict(
            "batch.settled", f"Batch {batch.reference} has been processed and settled.",
            "Nothing to do. A single entry can still be returned by the bank: look at the entry.", evidence,
        )


def reprocess(batch) -> SuggestedTask:
    return SuggestedTask("reprocess-batch", batch.pk, {"confirm_reference": batch.reference})
