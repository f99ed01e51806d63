"""Why has this batch not been processed? One test per cause."""

import datetime

import pytest
import time_machine

from batches.models import Batch, BatchEntry
from tests.factories import make_batch, make_batch_entry
from tests.opsconsole.explain_helpers import FRIDAY_MORNING, evidence_text, verdict_of

pytestmark = pytest.mark.django_db
FRIDAY = FRIDAY_MORNING.date()
SYDNEY = FRIDAY_MORNING.tzinfo


@pytest.fixture(autouse=True)
def friday_morning():
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        yield


def batch_on(day, **fields):
    cutoff = datetime.datetime.combine(day, datetime.time(16), tzinfo=SYDNEY)
    values = {"processing_date": day, "cutoff_at": cutoff, "status": Batch.Status.OPEN, "submitted_at": None}
    return make_batch(**{**values, **fields})


def test_before_its_cutoff():
    verdict = verdict_of(batch_on(FRIDAY))
    assert verdict.code == "batch.before_cutoff" and "16:00" in verdict.summary


def test_on_a_bank_holiday():
    verdict = verdict_of(batch_on(datetime.date(2026, 12, 25)))
    assert verdict.code == "batch.bank_holiday"
    # Boxing Day is observed on the 28th
    assert "Christmas Day" in verdict.summary and "Tuesday 29 December 2026" in verdict.summary


def test_on_a_weekend():
    verdict = verdict_of(batch_on(datetime.date(2026, 11, 28)))
    assert verdict.code == "batch.weekend" and "Monday 30 November 2026" in verdict.summary


def test_never_submitted_after_its_cutoff():
    assert verdict_of(batch_on(datetime.date(2026, 11, 26))).code == "batch.not_submitted_after_cutoff"


def test_stuck_without_acknowledgement():
    submitted = FRIDAY_MORNING - datetime.timedelta(days=2)
    batch = batch_on(datetime.date(2026, 11, 25), status=Batch.Status.SUBMITTED, submitted_at=submitted)
    verdict = verdict_of(batch)
    assert verdict.code == "batch.stuck" and verdict.retry_can_help
    assert (verdict.task.slug, verdict.task.params) == ("reprocess-batch", {"confirm_reference": batch.reference})


def test_submitted_after_the_cutoff():
    cutoff = datetime.datetime(2026, 11, 26, 16, 0, tzinfo=SYDNEY)
    batch = batch_on(datetime.date(2026, 11, 26), status=Batch.Status.ACKNOWLEDGED,
                     submitted_at=cutoff + datetime.timedelta(minutes=7),
                     acknowledged_at=cutoff + datetime.timedelta(minutes=30))
    verdict = verdict_of(batch)
    assert verdict.code == "batch.submitted_after_cutoff"
    assert "16:07" in verdict.summary and "Friday 27 November 2026" in verdict.summary


def test_awaiting_acknowledgement_and_settlement():
    sent = FRIDAY_MORNING - datetime.timedelta(hours=1)
    submitted = batch_on(FRIDAY, status=Batch.Status.SUBMITTED, submitted_at=sent)
    assert verdict_of(submitted).code == "batch.awaiting_acknowledgement"
    acknowledged = batch_on(FRIDAY, status=Batch.Status.ACKNOWLEDGED, submitted_at=sent, acknowledged_at=sent)
    assert verdict_of(acknowledged).code == "batch.awaiting_settlement"


def test_failed_because_of_an_invalid_account():
    batch = batch_on(datetime.date(2026, 11, 26), status=Batch.Status.FAILED, failure_reason="File rejected")
    make_batch_entry(batch=batch, status=BatchEntry.Status.PENDING)
    bad = make_batch_entry(batch=batch, status=BatchEntry.Status.REJECTED, validation_error="BSB 999-999 is not valid")
    verdict = verdict_of(batch)
    assert verdict.code == "batch.failed.invalid_account"
    assert f"Entry {bad.trace_number}: BSB 999-999 is not valid" in evidence_text(verdict)
    assert verdict.task.slug == "reprocess-batch"


def test_failed_validation():
    batch = batch_on(datetime.date(2026, 11, 26), status=Batch.Status.FAILED, failure_reason="Totals do not balance")
    make_batch_entry(batch=batch, status=BatchEntry.Status.PENDING)
    verdict = verdict_of(batch)
    assert verdict.code == "batch.failed.validation" and "Totals do not balance" in verdict.summary


def test_settled():
    assert verdict_of(batch_on(datetime.date(2026, 11, 25), status=Batch.Status.SETTLED)).code == "batch.settled"
