from collections import Counter

from django import forms
from django.conf import settings

from batches.models import Batch
from batches.selectors import batch_entries_after, batch_is_stuck
from batches.services import batch_entries_resubmit, batch_resubmit
from opsconsole.errors import OpsError
from opsconsole.tasking.base import Chunk, FieldChange, OpsTask
from opsconsole.tasking.history import change_reason_for
from opsconsole.tasking.registry import register

# Resubmitting more entries than this at once needs a second person's approval.
APPROVAL_ENTRY_COUNT = 10_000
RESUBMITTED = "resubmitted"
ALREADY_RESUBMITTED = "skipped: already resubmitted in this reprocess"


class ReprocessBatchForm(forms.Form):
    confirm_reference = forms.CharField(label="Type the batch reference to confirm", max_length=32)


@register
class ReprocessBatch(OpsTask):
    slug = "reprocess-batch"
    title = "Reprocess a bank batch"
    description = ("Resubmit a failed or stuck batch: every entry not yet settled, returned or "
                   "invalid is sent again; the result lists what was skipped and why.")
    model = Batch
    form_class = ReprocessBatchForm
    runs_in_background = True
    work_unit = "entries"

    def requires_approval(self, batch, params):
        return batch.entry_count > APPROVAL_ENTRY_COUNT

    def validate(self, batch, params):
        if params["confirm_reference"].strip() != batch.reference:
            raise OpsError(f"Type {batch.reference} to confirm which batch to reprocess.", field="confirm_reference")
        if batch.status != Batch.Status.FAILED and not batch_is_stuck(batch=batch):
            raise OpsError(f"Batch {batch.reference} is {batch.get_status_display().lower()}: only a failed "
                           "or stuck batch can be reprocessed.")

    def preview(self, batch, params):
        return [
            FieldChange(str(batch), "status", batch.status, Batch.Status.SUBMITTED),
            FieldChange(str(batch), "entries", f"{batch.entry_count} entries",
                        "not settled, returned or invalid ones resubmitted"),
        ]

    def count_work(self, batch, params):
        return batch.entries.count()

    def execute_chunk(self, batch, params, cursor, run):
        """The cursor is the last entry done and the reprocess round, which is fixed when the run
        starts: an entry already resubmitted in that round, by this run or by an earlier run of
        the round that failed half-way, is skipped."""
        after_id, reprocess_round = (cursor["after"], cursor["round"]) if cursor else (None, batch.reprocess_count + 1)
        chunk_size = settings.BATCH_REPROCESS_CHUNK_SIZE
        entries = batch_entries_after(batch=batch, after_id=after_id, limit=chunk_size, lock=True)
        tally = Counter()
        to_resubmit = []
        for entry in entries:
            if entry.reprocess_round >= reprocess_round:
                tally[ALREADY_RESUBMITTED] += 1
            elif skip_reason := entry.skip_reason:
                tally[f"skipped: {skip_reason}"] += 1
            else:
                to_resubmit.append(entry)
        if to_resubmit:
            batch_entries_resubmit(entries=to_resubmit, reprocess_round=reprocess_round, user=run.requested_by,
                                   change_reason=change_reason_for(run))
            tally[RESUBMITTED] += len(to_resubmit)
        return Chunk(cursor={"after": entries[-1].id if entries else after_id, "round": reprocess_round},
                     done=len(entries), tally=dict(tally), finished=len(entries) < chunk_size)

    def finish(self, batch, params, run):
        batch_resubmit(batch=batch, reprocess_round=run.checkpoint["round"])
        counts = ", ".join(f"{count} {name}" for name, count in sorted(run.tally.items()))
        return f"Batch {batch.reference} resubmitted: {counts or 'no entries'}."
