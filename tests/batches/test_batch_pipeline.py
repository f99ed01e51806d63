"""A batch's pipeline: created → cut-off → submitted → acknowledged → settled, or failed, with
where the batch is (or stopped), a late submission flagged, and its entries counted by status."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from batches.models import Batch, BatchEntry, Direction, Network
from batches.pipeline import PipelineStage, StageState, batch_entry_counts, batch_pipeline
from opsconsole.business_calendar import calendar_for
from tests.factories import make_batch, make_batch_entry

BECS = calendar_for(Network.BECS)
# A plain Tuesday in Sydney: a business day with a business day after it.
DAY = datetime.date(2025, 5, 13)
CUTOFF = BECS.cutoff_on(DAY)
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
FAILURE = "File rejected by the bank: entry 3 has BSB 999-999, which is not a valid BSB"


def becs_batch(**overrides) -> Batch:
    values = {"network": Network.BECS, "currency": "AUD", "direction": Direction.CREDIT, "processing_date": DAY,
              "cutoff_at": CUTOFF, "created_at": CUTOFF - 8 * HOUR, "submitted_at": None}
    return make_batch(**{**values, **overrides})


def states(pipeline) -> dict[str, str]:
    return {stage.key: stage.state for stage in pipeline.stages}


def test_an_open_batch_before_its_cut_off_is_collecting_entries(db):
    pipeline = batch_pipeline(batch=becs_batch(status=Batch.Status.OPEN), now=CUTOFF - 2 * HOUR)
    assert pipeline.current == PipelineStage.CREATED and not pipeline.failed and not pipeline.submitted_late
    assert states(pipeline) == {"created": "current", "cutoff": "upcoming", "submitted": "upcoming",
                                "acknowledged": "upcoming", "settled": "upcoming"}
    cutoff = pipeline.stage(PipelineStage.CUTOFF)
    assert cutoff.at is None and cutoff.expected == "16:00 AEST, Tue 13 May 2025" and not cutoff.flagged
    assert pipeline.stage(PipelineStage.SUBMITTED).expected == "by the cut-off, 16:00 AEST, Tue 13 May 2025"
    assert pipeline.stage(PipelineStage.SETTLED).expected == "on Tue 13 May 2025"


def test_an_open_batch_past_its_cut_off_is_flagged_at_the_cut_off(db):
    pipeline = batch_pipeline(batch=becs_batch(status=Batch.Status.OPEN), now=CUTOFF + 90 * MINUTE)
    assert pipeline.current == PipelineStage.CUTOFF
    cutoff = pipeline.stage(PipelineStage.CUTOFF)
    assert cutoff.state == StageState.CURRENT and cutoff.at == CUTOFF and cutoff.flagged
    assert cutoff.note == ("Overdue by 1 hour 30 minutes: due at the bank by 16:00 AEST, Tue 13 May 2025; "
                           "the batch has not been submitted")


def test_a_batch_submitted_after_its_cut_off_is_flagged_and_moves_a_business_day(db):
    batch = becs_batch(status=Batch.Status.SUBMITTED, submitted_at=CUTOFF + 7 * MINUTE)
    pipeline = batch_pipeline(batch=batch, now=CUTOFF + HOUR)
    assert pipeline.current == PipelineStage.SUBMITTED and pipeline.submitted_late
    assert states(pipeline) == {"created": "done", "cutoff": "done", "submitted": "current",
                                "acknowledged": "upcoming", "settled": "upcoming"}
    submitted = pipeline.stage(PipelineStage.SUBMITTED)
    assert submitted.at == CUTOFF + 7 * MINUTE and submitted.flagged
    assert submitted.at_local == "16:07 AEST, Tue 13 May 2025"  # the bank's own clock
    assert submitted.note == "7 minutes after the cut-off: processed on the next business day, Wed 14 May 2025"
    acknowledged = pipeline.stage(PipelineStage.ACKNOWLEDGED)
    assert acknowledged.expected == "by 18:07 AEST, Tue 13 May 2025" and not acknowledged.flagged
    assert pipeline.stage(PipelineStage.SETTLED).expected == "on Wed 14 May 2025"


def test_a_submitted_batch_the_bank_never_acknowledged_is_stuck(db):
    batch = becs_batch(status=Batch.Status.SUBMITTED, submitted_at=CUTOFF - 30 * MINUTE)
    acknowledged = batch_pipeline(batch=batch, now=CUTOFF + 2 * 24 * HOUR).stage(PipelineStage.ACKNOWLEDGED)
    assert acknowledged.flagged and acknowledged.note == "No acknowledgement 2 days 30 minutes after submission: stuck"


def test_an_acknowledged_batch_waits_to_settle(db):
    batch = becs_batch(status=Batch.Status.ACKNOWLEDGED, submitted_at=CUTOFF - 30 * MINUTE,
                       acknowledged_at=CUTOFF - 10 * MINUTE)
    pipeline = batch_pipeline(batch=batch, now=CUTOFF + HOUR)
    assert pipeline.current == PipelineStage.ACKNOWLEDGED and not pipeline.submitted_late
    assert states(pipeline) == {"created": "done", "cutoff": "done", "submitted": "done",
                                "acknowledged": "current", "settled": "upcoming"}
    submitted = pipeline.stage(PipelineStage.SUBMITTED)
    assert submitted.note == "30 minutes before the cut-off" and not submitted.flagged
    assert pipeline.stage(PipelineStage.ACKNOWLEDGED).at == CUTOFF - 10 * MINUTE


def test_a_settled_batch_has_been_through_every_stage(db):
    batch = becs_batch(status=Batch.Status.SETTLED, submitted_at=CUTOFF - HOUR, acknowledged_at=CUTOFF - 50 * MINUTE,
                       settled_at=CUTOFF + 14 * HOUR)
    pipeline = batch_pipeline(batch=batch, now=CUTOFF + 20 * HOUR)
    assert pipeline.current == PipelineStage.SETTLED and not pipeline.failed
    assert states(pipeline) == {"created": "done", "cutoff": "done", "submitted": "done",
                                "acknowledged": "done", "settled": "current"}
    assert pipeline.stage(PipelineStage.SETTLED).at == CUTOFF + 14 * HOUR
    assert not any(stage.flagged for stage in pipeline.stages)


def test_a_failed_batch_stops_where_it_failed_with_the_reason(db):
    batch = becs_batch(status=Batch.Status.FAILED, submitted_at=CUTOFF - HOUR, failure_reason=FAILURE)
    pipeline = batch_pipeline(batch=batch, now=CUTOFF + 3 * HOUR)
    assert pipeline.failed and pipeline.current == PipelineStage.SUBMITTED and pipeline.failure_reason == FAILURE
    assert [(stage.key, stage.state) for stage in pipeline.stages] == [
        ("created", "done"), ("cutoff", "done"), ("submitted", "current"), ("acknowledged", "skipped"),
        ("failed", "failed"),
    ]
    failed = pipeline.stage(PipelineStage.FAILED)
    assert failed.note == FAILURE and failed.flagged and failed.title == "Failed"


def test_a_batch_for_a_bank_holiday_settles_on_the_next_business_day(db):
    christmas = datetime.date(2025, 12, 25)  # Thursday; Boxing Day follows, then the weekend
    batch = becs_batch(status=Batch.Status.OPEN, processing_date=christmas, cutoff_at=BECS.cutoff_on(christmas))
    settled = batch_pipeline(batch=batch, now=BECS.cutoff_on(christmas) - 24 * HOUR).stage(PipelineStage.SETTLED)
    assert settled.expected == "on Mon 29 Dec 2025"
    assert settled.note == ("The processing day, Thu 25 Dec 2025, is a bank holiday (Christmas Day): "
                            "processed on the next business day")


def test_entries_are_counted_by_status_in_one_query(db):
    batch = becs_batch(status=Batch.Status.SETTLED, submitted_at=CUTOFF - HOUR, settled_at=CUTOFF + 14 * HOUR)
    for status in ["settled", "settled", "settled", "returned", "rejected"]:
        make_batch_entry(batch=batch, status=status, return_code="3" if status == "returned" else "")
    make_batch_entry(status=BatchEntry.Status.PENDING)  # another batch's
    with CaptureQueriesContext(connection) as captured:
        counts = batch_entry_counts(batch=batch)
    assert len(captured.captured_queries) == 1
    assert [(count.status, count.count) for count in counts] == [
        ("pending", 0), ("submitted", 0), ("settled", 3), ("returned", 1), ("rejected", 1)]
    pipeline = batch_pipeline(batch=batch)
    assert pipeline.entry_counts == counts and pipeline.entries_total == 5


# On the batch's page.


@pytest.fixture
def failed_batch(db):
    batch = becs_batch(status=Batch.Status.FAILED, submitted_at=CUTOFF + 7 * MINUTE, failure_reason=FAILURE)
    entries = [make_batch_entry(batch=batch, status=status) for status in ("pending", "pending", "rejected")]
    return batch, entries


def batch_page(client, batch) -> str:
    response = client.get(reverse("admin:batches_batch_change", args=[batch.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_batch_page_draws_the_pipeline_and_the_entry_counts(failed_batch, client_as):
    batch, entries = failed_batch
    html = batch_page(client_as("ops"), batch)
    pipeline = html[html.index('id="batch-pipeline"'):]
    assert 'data-current="submitted"' in pipeline and 'data-failed="true"' in pipeline
    assert FAILURE in pipeline and "Submitted after the cut-off" in pipeline
    assert re.search(r'data-stage="submitted" data-state="current" data-flagged\s+aria-current="step"', pipeline)
    assert 'data-stage="failed" data-state="failed"' in pipeline
    assert html.index('id="batch-pipeline"') < html.index(batch.reference + "</")  # above the details
    entry_list = reverse("admin:batches_batchentry_changelist")
    pending_link = f"{entry_list}?batch__id__exact={batch.pk}&amp;status__exact=pending"
    assert f'<a href="{pending_link}" class="text-primary-600 dark:text-primary-500">2</a>' in pipeline
    assert "width: 67%" in pipeline and "width: 33%" in pipeline

    listed = client_as("ops").get(pending_link.replace("&amp;", "&"))
    assert listed.status_code == 200
    shown = listed.content.decode()
    assert entries[0].trace_number in shown and entries[1].trace_number in shown
    assert entries[2].trace_number not in shown


def test_the_auditor_sees_the_pipeline_but_no_links_to_entries_they_cannot_open(failed_batch, client_as):
    batch, _ = failed_batch
    html = batch_page(client_as("auditor"), batch)
    assert 'id="batch-pipeline"' in html and FAILURE in html
    assert reverse("admin:batches_batchentry_changelist") not in html
