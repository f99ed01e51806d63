"""Why has this batch not been processed?"""

from django.utils import timezone
from django.utils.formats import date_format

from batches.lateness import ACKNOWLEDGEMENT, SUBMISSION, batch_lateness, batch_submission_due
from batches.models import Batch
from batches.selectors import (
    STUCK_AFTER,
    batch_effective_processing_date,
    batch_expected_clearing_date,
    batch_invalid_entries,
)
from opsconsole.business_calendar import calendar_for
from opsconsole.explaining.base import Evidence, Explanation, SuggestedTask, Verdict
from opsconsole.explaining.registry import register
from opsconsole.explaining.times import day, moment, span


@register
class BatchProcessing(Explanation):
    model = Batch
    question = "Why has this batch not been processed?"

    def explain(self, batch):
        calendar = calendar_for(batch.network)
        evidence = [
            Evidence("Status", batch.get_status_display(), batch),
            Evidence("Processing day", day(batch.processing_date)),
            Evidence("Cut-off", moment(batch.cutoff_at, calendar.time_zone)),
        ]
        if batch.submitted_at:
            evidence.append(Evidence("Submitted", moment(batch.submitted_at, calendar.time_zone)))
        handler = {
            Batch.Status.OPEN: self.open,
            Batch.Status.SUBMITTED: self.submitted,
            Batch.Status.ACKNOWLEDGED: self.acknowledged,
            Batch.Status.FAILED: self.failed,
            Batch.Status.SETTLED: self.settled,
        }[batch.status]
        return handler(batch, calendar, evidence)

    def open(self, batch, calendar, evidence):
        if lateness := batch_lateness(batch=batch):
            return self.overdue(batch, calendar, evidence, lateness)
        holiday = calendar.holiday_name(batch.processing_date)
        next_day = day(batch_effective_processing_date(batch=batch))
        if holiday:
            return Verdict(
                "batch.bank_holiday",
                f"Batch {batch.reference} is scheduled for {day(batch.processing_date)}, which is {holiday}, a bank "
                f"holiday: the bank does not process files that day. It goes out at the "
                f"{moment(batch_submission_due(batch=batch), calendar.time_zone)} cut-off and is processed "
                f"on {next_day}.",
                "Nothing to do: tell anyone waiting that the money moves on the next business day.",
                [*evidence, Evidence("Holiday", holiday)],
            )
        if not calendar.is_business_day(batch.processing_date):
            return Verdict(
                "batch.weekend",
                f"Batch {batch.reference} is scheduled for a {date_format(batch.processing_date, 'l')}: banks do not "
                f"process files at weekends. It goes out at the "
                f"{moment(batch_submission_due(batch=batch), calendar.time_zone)} cut-off and is processed "
                f"on {next_day}.",
                "Nothing to do: it goes out on the next business day.", evidence,
            )
        return Verdict(
            "batch.before_cutoff",
            f"Batch {batch.reference} is still collecting entries: it goes to the bank at the "
            f"{moment(batch.cutoff_at, calendar.time_zone)} cut-off.",
            "Nothing to do: entries added before the cut-off go out today.", evidence,
        )

    def overdue(self, batch, calendar, evidence, lateness):
        """Time first: what is late and since when, then what explains the schedule."""
        late_by = f"Overdue by {lateness.overdue_by()}"
        due = moment(lateness.due, calendar.time_zone)
        if lateness.awaited == SUBMISSION:
            moved = ""
            if not calendar.is_business_day(batch.processing_date):
                holiday = calendar.holiday_name(batch.processing_date)
                moved = (f" Its processing day, {day(batch.processing_date)}, is "
                         f"{f'{holiday}, a bank holiday' if holiday else 'a weekend'}, so its cut-off moved to {due}.")
            return Verdict(
                "batch.not_submitted_after_cutoff",
                f"{late_by}: batch {batch.reference} should have gone to the bank by the {due} cut-off and has not "
                f"been submitted.{moved}",
                "Escalate to the payments engineers on call: the batch submitter did not run. Until it goes, the "
                "money of its entries does not move.", [*evidence, Evidence("Due at the bank", due)],
            )
        if lateness.awaited == ACKNOWLEDGEMENT:
            return Verdict(
                "batch.stuck",
                f"{late_by}: batch {batch.reference} was submitted {span(timezone.now() - batch.submitted_at)} ago and "
                f"the bank has not acknowledged it; banks acknowledge within "
                f"{int(STUCK_AFTER.total_seconds() // 3600)} hours at most.",
                "Check with the bank that the file arrived, then reprocess the batch.",
                evidence, retry_can_help=True, task=reprocess(batch),
            )
        return Verdict(
            "batch.not_settled",
            f"{late_by}: batch {batch.reference} should have settled by {due} and has not; it is "
            f"{batch.get_status_display().lower()}. Nothing here tells why it has not settled.",
            "Ask the payments engineers to check the file's status with the bank; do not reprocess it, as the bank "
            "has it.", [*evidence, Evidence("Due to settle by", due)],
        )

    def submitted(self, batch, calendar, evidence):
        if lateness := batch_lateness(batch=batch):
            return self.overdue(batch, calendar, evidence, lateness)
        if batch.missed_cutoff:
            return self.late(batch, calendar, evidence)
        return Verdict(
            "batch.awaiting_acknowledgement",
            f"Batch {batch.reference} went to the bank at {moment(batch.submitted_at, calendar.time_zone)}; the bank "
            "has not acknowledged it yet.",
            "Wait for the bank's acknowledgement; it usually comes within two hours.", evidence,
        )

    def late(self, batch, calendar, evidence):
        return Verdict(
            "batch.submitted_after_cutoff",
            f"Batch {batch.reference} was submitted at {moment(batch.submitted_at, calendar.time_zone)}, after the "
            f"{moment(batch.cutoff_at, calendar.time_zone)} cut-off, so the bank processes it a business day later, on "
            f"{day(batch_effective_processing_date(batch=batch))}; its money clears on "
            f"{day(batch_expected_clearing_date(batch=batch))}.",
            "Nothing to do: it is only late, not lost.", evidence,
        )

    def acknowledged(self, batch, calendar, evidence):
        if lateness := batch_lateness(batch=batch):
            return self.overdue(batch, calendar, evidence, lateness)
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
                              f"bank account {entry.bank_account.get_status_display().lower()}", entry)
                     for entry in invalid]
        if invalid:
            return Verdict(
                "batch.failed.invalid_account",
                f"The bank rejected batch {batch.reference}: {len(invalid)} of its entries have invalid account "
                "details.",
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
