"""Batches nobody seeded: on any day of either network's calendar (holidays of each year,
weekends, either side of the cut-off), in any unfinished state, at any moment after, the batch's
answer says it is overdue exactly when the lateness rule does, says it first, never promises a
day that has passed, and the pipeline above it and the dashboard's overdue list agree."""

import datetime
import re

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from batches.lateness import ACKNOWLEDGEMENT, SETTLEMENT, SUBMISSION, batch_lateness, batches_overdue
from batches.models import Batch, BatchEntry, Direction, Network
from batches.pipeline import PipelineStage, batch_pipeline
from opsconsole.business_calendar import calendar_for
from payments.models import Disbursement
from tests.factories import make_batch, make_batch_entry, make_disbursement
from tests.opsconsole.explain_helpers import verdict_of

CURRENCY = {Network.BECS: "AUD", Network.ACH: "USD"}
PROMISE = re.compile(r"(?:processed on|clears? on|settles on|bank on|expect it on) \w+day (\d{1,2} \w+ \d{4})")


def days_near_holidays(network: str) -> list[datetime.date]:
    """Each holiday of 2025–2027 and the days either side: where schedules move."""
    calendar = calendar_for(network)
    days = set()
    for holiday in calendar.holidays:
        if 2025 <= holiday.year <= 2027:
            days.update(holiday + datetime.timedelta(days=offset) for offset in range(-2, 4))
    return sorted(days)


def processing_days(network: str):
    return st.one_of(st.sampled_from(days_near_holidays(network)),
                     st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)))


@st.composite
def batch_cases(draw):
    network = draw(st.sampled_from([Network.BECS, Network.ACH]))
    calendar = calendar_for(network)
    processing_day = draw(processing_days(network))
    cutoff = calendar.cutoff_on(processing_day)
    status = draw(st.sampled_from([Batch.Status.OPEN, Batch.Status.SUBMITTED, Batch.Status.ACKNOWLEDGED]))
    submitted = None if status == Batch.Status.OPEN else cutoff + datetime.timedelta(
        minutes=draw(st.integers(-180, 24 * 60)))
    acknowledged = submitted + datetime.timedelta(minutes=draw(st.integers(5, 180))) \
        if status == Batch.Status.ACKNOWLEDGED else None
    now = cutoff + datetime.timedelta(minutes=draw(st.integers(-3 * 24 * 60, 12 * 24 * 60)))
    if submitted is not None:
        now = max(now, (acknowledged or submitted) + datetime.timedelta(minutes=1))
    return {"network": network, "currency": CURRENCY[network], "processing_date": processing_day,
            "cutoff_at": cutoff, "status": status, "submitted_at": submitted, "acknowledged_at": acknowledged,
            "created_at": cutoff - datetime.timedelta(days=1)}, now


def promised_days(text: str) -> list[datetime.date]:
    return [datetime.datetime.strptime(found, "%d %B %Y").date() for found in PROMISE.findall(text)]


FLAGGED_STAGE = {SUBMISSION: PipelineStage.CUTOFF, ACKNOWLEDGEMENT: PipelineStage.ACKNOWLEDGED,
                 SETTLEMENT: PipelineStage.SETTLED}


@pytest.mark.django_db
@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=batch_cases())
def test_a_late_batch_is_said_to_be_late_first_everywhere_and_nothing_past_is_promised(case):
    fields, now = case
    calendar = calendar_for(fields["network"])
    with transaction.atomic(), time_machine.travel(now, tick=False):
        batch = make_batch(**fields)
        verdict = verdict_of(batch)
        pipeline = batch_pipeline(batch=batch, now=now)
        listed = {late.pk for late in batches_overdue(now=now)}
        lateness = batch_lateness(batch=batch, now=now)
        transaction.set_rollback(True)

    if lateness:
        assert verdict.summary.startswith("Overdue by"), verdict
        assert not verdict.next_step.startswith("Nothing to do"), verdict
    else:
        assert not verdict.summary.startswith("Overdue"), verdict
    today = now.astimezone(calendar.time_zone).date()
    assert all(day >= today for day in promised_days(f"{verdict.summary} {verdict.next_step}")), verdict

    flagged = {stage.key for stage in pipeline.stages if stage.flagged} - {PipelineStage.SUBMITTED}
    assert flagged == ({FLAGGED_STAGE[lateness.awaited]} if lateness else set()), (lateness, pipeline)
    assert (batch.pk in listed) == bool(lateness)

    # Bounds anyone can check without the rule: no run of closed bank days is longer than four,
    # so an open batch a week past its day is late, and none is late before its own cut-off.
    if fields["status"] == Batch.Status.OPEN and today > fields["processing_date"] + datetime.timedelta(days=7):
        assert lateness is not None and lateness.awaited == SUBMISSION
    if now <= fields["cutoff_at"]:
        assert lateness is None


def test_a_batch_dated_on_a_holiday_and_still_open_days_later_is_overdue_not_nothing_to_do(db):
    calendar = calendar_for(Network.BECS)
    christmas = datetime.date(2026, 12, 25)
    batch = make_batch(processing_date=christmas, cutoff_at=calendar.cutoff_on(christmas), status=Batch.Status.OPEN,
                       submitted_at=None)
    with time_machine.travel(calendar.cutoff_on(christmas) + datetime.timedelta(days=9), tick=False):
        verdict = verdict_of(batch)
        assert batch in batches_overdue()
    assert verdict.code == "batch.not_submitted_after_cutoff"
    assert verdict.summary.startswith("Overdue by 5 days") and "Christmas Day, a bank holiday" in verdict.summary
    assert "cut-off moved to Tue 29 Dec 2026, 16:00 AEDT" in verdict.summary


def test_the_dashboard_counts_overdue_batches_and_links_to_them(client_as):
    calendar = calendar_for(Network.BECS)
    yesterday = calendar.previous_business_day(datetime.date.today() - datetime.timedelta(days=1))
    late = make_batch(processing_date=yesterday, cutoff_at=calendar.cutoff_on(yesterday), status=Batch.Status.OPEN,
                      submitted_at=None)
    settled = make_batch(processing_date=yesterday, cutoff_at=calendar.cutoff_on(yesterday),
                         status=Batch.Status.SETTLED)
    lead = client_as("lead")
    dashboard = lead.get("/").context["ops_dashboard"]
    metric = next(metric for metric in dashboard.headline if metric.label == "Overdue batches")
    assert metric.count == 1 and metric.tone == "danger"
    listed = lead.get(metric.url).context["cl"].result_list
    assert [batch.pk for batch in listed] == [late.pk] and settled.pk not in [batch.pk for batch in listed]


@pytest.mark.django_db
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=batch_cases())
def test_a_disbursement_in_a_late_batch_is_overdue_and_promises_no_past_day(case):
    fields, now = case
    fields = {**fields, "direction": Direction.CREDIT}
    calendar = calendar_for(fields["network"])
    with transaction.atomic(), time_machine.travel(now, tick=False):
        batch = make_batch(**fields)
        disbursement = make_disbursement(currency=fields["currency"])
        make_batch_entry(batch=batch, disbursement=disbursement, status=BatchEntry.Status.PENDING)
        verdict = verdict_of(disbursement)
        lateness = batch_lateness(batch=batch, now=now)
        transaction.set_rollback(True)
    assert verdict.summary.startswith("Overdue by") == bool(lateness), verdict
    today = now.astimezone(calendar.time_zone).date()
    assert all(day >= today for day in promised_days(f"{verdict.summary} {verdict.next_step}")), verdict


def test_the_dashboard_counts_disbursements_in_late_batches_and_links_to_them(client_as):
    calendar = calendar_for(Network.BECS)
    yesterday = calendar.previous_business_day(datetime.date.today() - datetime.timedelta(days=1))
    late = make_batch(processing_date=yesterday, cutoff_at=calendar.cutoff_on(yesterday), status=Batch.Status.OPEN,
                      submitted_at=None)
    waiting, paid = make_disbursement(), make_disbursement(status=Disbursement.Status.PAID)
    for disbursement in (waiting, paid):
        make_batch_entry(batch=late, disbursement=disbursement, status=BatchEntry.Status.PENDING)
    make_batch_entry(batch=make_batch(status=Batch.Status.SETTLED), disbursement=make_disbursement())
    ops = client_as("ops")
    dashboard = ops.get("/").context["ops_dashboard"]
    metric = next(metric for metric in dashboard.headline if metric.label == "Overdue disbursements")
    assert metric.count == 1
    assert [row.pk for row in ops.get(metric.url).context["cl"].result_list] == [waiting.pk]
