"""The dashboard's panels: today's batches by status, items waiting longest for their payment, failed
and returned disbursements, failing callback endpoints — each number a link to the list it
counts, each panel only for people who may open that list, in a fixed number of queries."""

import datetime
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from batches.models import Batch, Network
from dashboard.page import dashboard_for
from opsconsole.business_calendar import calendar_for
from payments.models import Callback, Disbursement, ItemState
from tests.factories import make_batch, make_callback, make_disbursement, make_item, make_platform

# 12:00 on Tuesday 13 May in Sydney (BECS), 22:00 on Monday 12 May in New York (ACH).
NOW = datetime.datetime(2025, 5, 13, 2, 0, tzinfo=datetime.UTC)
SINCE = datetime.date(2025, 5, 6)  # a week before today (UTC, the console's time zone)
BECS_TODAY, BECS_NEXT = datetime.date(2025, 5, 13), datetime.date(2025, 5, 14)
ACH_TODAY, ACH_NEXT = datetime.date(2025, 5, 12), datetime.date(2025, 5, 13)
HOUR = datetime.timedelta(hours=1)


def batch_on(network, day, status, **overrides) -> Batch:
    calendar = calendar_for(network)
    return make_batch(network=network, currency="AUD" if network == Network.BECS else "USD", processing_date=day,
                      status=status, cutoff_at=calendar.cutoff_on(day),
                      created_at=calendar.cutoff_on(day) - 8 * HOUR, **overrides)


@pytest.fixture
def operations(db):
    """A day of operations around NOW, and records the dashboard must leave out."""
    batches = {
        "becs_open": [batch_on(Network.BECS, BECS_TODAY, Batch.Status.OPEN) for _ in range(2)],
        "becs_failed": batch_on(Network.BECS, BECS_TODAY, Batch.Status.FAILED, failure_reason="Rejected"),
        "becs_next": batch_on(Network.BECS, BECS_NEXT, Batch.Status.OPEN),
        "ach_settled": batch_on(Network.ACH, ACH_TODAY, Batch.Status.SETTLED),
        "becs_yesterday_failed": batch_on(Network.BECS, datetime.date(2025, 5, 12), Batch.Status.FAILED),
        "old_failed": batch_on(Network.BECS, datetime.date(2025, 4, 1), Batch.Status.FAILED),
        # ACH's 13 May is its next business day; a BECS batch on 13 May must not count for ACH.
    }
    waiting = [make_item(state=ItemState.PAYMENT_PENDING, state_changed_at=NOW - datetime.timedelta(hours=hours))
               for hours in (5, 50, 1, 30, 2, 70, 3, 4, 6, 7, 8, 9)]
    make_item(state=ItemState.PAYMENT_DEPOSITED, state_changed_at=NOW - 500 * HOUR)
    disbursements = [
        make_disbursement(status=Disbursement.Status.FAILED, created_at=NOW - 3 * HOUR,
                          failure_reason="Batch rejected"),
        make_disbursement(status=Disbursement.Status.FAILED, created_at=NOW - 30 * HOUR),
        make_disbursement(status=Disbursement.Status.RETURNED, created_at=NOW - 2 * HOUR,
                          failure_reason="Bank return 3: account closed"),
    ]
    make_disbursement(status=Disbursement.Status.PAID, created_at=NOW - HOUR)
    tradie, bazaar = make_platform(name="Tradie Hub"), make_platform(name="Bazaar Market")
    for status in (Callback.Status.FAILING, Callback.Status.FAILING, Callback.Status.ABANDONED):
        make_callback(platform=tradie, status=status, deliveries=0, created_at=NOW - 5 * HOUR)
    make_callback(platform=bazaar, status=Callback.Status.ABANDONED, deliveries=0, created_at=NOW - 50 * HOUR)
    make_callback(platform=bazaar, status=Callback.Status.FAILING, deliveries=0, created_at=NOW - 30 * 24 * HOUR)
    make_callback(platform=bazaar, status=Callback.Status.DELIVERED, deliveries=1, created_at=NOW - HOUR)
    return {"batches": batches, "waiting": waiting, "disbursements": disbursements, "tradie": tradie,
            "bazaar": bazaar}


def metric_by_label(metrics, start):
    return next(metric for metric in metrics if metric.label.startswith(start))


def test_todays_batches_by_status_for_each_networks_own_today(operations, staff):
    dashboard = dashboard_for(user=staff["ops"], now=NOW)
    rows = {(row.network, row.day): row for row in dashboard.content("batches").days}
    assert list(rows) == [(Network.ACH, ACH_TODAY), (Network.ACH, ACH_NEXT),
                          (Network.BECS, BECS_TODAY), (Network.BECS, BECS_NEXT)]
    counts = {key: {metric.label: metric.count for metric in row.by_status if metric.count}
              for key, row in rows.items()}
    assert counts == {(Network.BECS, BECS_TODAY): {"Open": 2, "Failed": 1}, (Network.BECS, BECS_NEXT): {"Open": 1},
                      (Network.ACH, ACH_TODAY): {"Settled": 1}, (Network.ACH, ACH_NEXT): {}}
    becs_today = rows[Network.BECS, BECS_TODAY]
    assert (becs_today.when, becs_today.total.count) == ("Today", 3)
    failed = metric_by_label(becs_today.by_status, "Failed")
    assert failed.url == (reverse("admin:batches_batch_changelist")
                          + "?network__exact=becs&processing_date__exact=2025-05-13&status__exact=failed")
    headline = metric_by_label(dashboard.headline, "Failed batches")
    assert headline.label == "Failed batches since Tue 06 May" and headline.count == 2
    assert headline.url == (reverse("admin:batches_batch_changelist")
                            + "?status__exact=failed&processing_date__gte=2025-05-06")


def becs_rows(dashboard):
    return [row for row in dashboard.content("batches").days if row.network == Network.BECS]


def test_a_bank_holiday_is_named_on_its_row(db, staff):
    christmas_eve = datetime.datetime(2025, 12, 24, 2, 0, tzinfo=datetime.UTC)  # 13:00 in Sydney
    becs_today, becs_next = becs_rows(dashboard_for(user=staff["ops"], now=christmas_eve))
    assert (becs_today.day, becs_today.note) == (datetime.date(2025, 12, 24), "")
    assert (becs_next.day, becs_next.note) == (datetime.date(2025, 12, 29), "")  # Christmas and Boxing Day skipped
    christmas = datetime.datetime(2025, 12, 25, 2, 0, tzinfo=datetime.UTC)
    assert becs_rows(dashboard_for(user=staff["ops"], now=christmas))[0].note == "Bank holiday: Christmas Day"
    saturday = datetime.datetime(2025, 5, 17, 2, 0, tzinfo=datetime.UTC)
    assert becs_rows(dashboard_for(user=staff["ops"], now=saturday))[0].note == "Weekend: no processing"


def test_items_waiting_longest_in_payment_pending(operations, staff):
    waiting = dashboard_for(user=staff["ops"], now=NOW).content("waiting-items")
    expected = sorted(operations["waiting"], key=lambda item: item.state_changed_at)[:10]
    assert [shown.item for shown in waiting.items] == expected
    assert waiting.items[0].waiting == 70 * HOUR
    assert waiting.items[0].url == reverse("admin:payments_item_change", args=[expected[0].pk])
    assert waiting.count.count == 12
    assert waiting.count.url == reverse("admin:payments_item_changelist") + "?state__exact=payment_pending&o=8"


def test_failed_and_returned_disbursements_with_the_latest(operations, staff):
    problems = dashboard_for(user=staff["ops"], now=NOW).content("disbursements")
    changelist = reverse("admin:payments_disbursement_changelist")
    assert [(metric.label, metric.count, metric.url) for metric in problems.counts] == [
        ("Failed disbursements", 2, f"{changelist}?status__exact=failed"),
        ("Returned disbursements", 1, f"{changelist}?status__exact=returned"),
        ("Overdue disbursements", 0, f"{changelist}?overdue=yes"),
    ]
    failed, failed_earlier, returned = operations["disbursements"]
    assert [problem.disbursement for problem in problems.latest] == [returned, failed, failed_earlier]


def test_failing_callback_endpoints_with_counts(operations, staff):
    dashboard = dashboard_for(user=staff["lead"], now=NOW)
    tradie, bazaar = operations["tradie"], operations["bazaar"]
    rows = [(endpoint.platform_name, [(metric.label, metric.count) for metric in endpoint.by_status])
            for endpoint in dashboard.content("callbacks").endpoints]
    assert rows == [("Tradie Hub", [("Failing, will retry", 2), ("Abandoned after retries", 1)]),
                    ("Bazaar Market", [("Failing, will retry", 0), ("Abandoned after retries", 1)])]
    changelist = reverse("admin:payments_callback_changelist")
    assert dashboard.content("callbacks").endpoints[0].by_status[0].url == (
        f"{changelist}?platform__id__exact={tradie.pk}&status__exact=failing&created_at__date__gte=2025-05-06")
    headline = metric_by_label(dashboard.headline, "Failing callbacks")
    assert (headline.count, headline.url) == (2, f"{changelist}?status__exact=failing&created_at__date__gte=2025-05-06")
    assert bazaar.pk not in [metric.url for metric in dashboard.headline]


def test_each_person_sees_only_the_parts_they_may_open(operations, staff):
    def parts(person):
        dashboard = dashboard_for(user=staff[person], now=NOW)
        return [metric.label.split(" since")[0] for metric in dashboard.headline]

    everything = ["Overdue batches", "Failed batches", "Items in payment pending", "Failed disbursements",
                  "Returned disbursements", "Overdue disbursements", "Failing callbacks"]
    assert parts("root") == parts("lead") == parts("engineer") == everything
    assert parts("ops") == everything[:6]  # callbacks are technical records
    assert parts("auditor") == everything[:3]  # batches and items, nothing behind them
    assert parts("nobody") == []
    auditor = dashboard_for(user=staff["auditor"], now=NOW)
    assert auditor.content("disbursements") is None and auditor.content("callbacks") is None
    assert dashboard_for(user=staff["nobody"], now=NOW).is_empty


def test_the_dashboard_runs_as_many_queries_for_many_rows_as_for_few(operations, staff):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            dashboard_for(user=staff["root"], now=NOW)
        return len(captured.captured_queries)

    few = queries()
    for _ in range(5):
        batch_on(Network.BECS, BECS_TODAY, Batch.Status.SUBMITTED)
        make_item(state=ItemState.PAYMENT_PENDING, state_changed_at=NOW - 90 * HOUR)
        make_disbursement(status=Disbursement.Status.RETURNED, created_at=NOW - HOUR)
        make_callback(platform=make_platform(), status=Callback.Status.ABANDONED, deliveries=0, created_at=NOW - HOUR)
    # One statement per part, the overdue batches' candidates and their disbursements, and the
    # waiting items' charges and entries.
    assert queries() == few <= 14


def test_counts_over_whole_tables_stop_at_a_bound(operations, staff, monkeypatch):
    for counting_module in ("dashboard.metrics", "payments.dashboard"):
        monkeypatch.setattr(f"{counting_module}.COUNT_UP_TO", 3)
    dashboard = dashboard_for(user=staff["ops"], now=NOW)
    waiting_count = dashboard.content("waiting-items").count
    assert (waiting_count.count, waiting_count.shown) == (4, "3+")  # 12 waiting
    assert [metric.shown for metric in dashboard.content("disbursements").counts] == ["2", "1", "0"]


# Over HTTP: the front page, its numbers, and the lists they open.


def links_in(html: str) -> set[str]:
    import re

    return {unescape(href) for href in re.findall(r'href="([^"]+)"', html)}


def test_the_front_page_shows_the_numbers_and_each_link_opens_the_list_it_counts(db, client_as):
    becs = calendar_for(Network.BECS)
    today = timezone.now().astimezone(becs.time_zone).date()
    failed = batch_on(Network.BECS, today, Batch.Status.FAILED, failure_reason="File rejected", reference="B-DASH-1")
    batch_on(Network.BECS, today, Batch.Status.OPEN, reference="B-DASH-2")
    batch_on(Network.BECS, today - datetime.timedelta(days=60), Batch.Status.FAILED, reference="B-DASH-OLD")
    client = client_as("ops")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="ops-dashboard"' in html and 'id="dashboard-batches"' in html

    todays_failed = (reverse("admin:batches_batch_changelist")
                     + f"?network__exact=becs&processing_date__exact={today.isoformat()}&status__exact=failed")
    assert todays_failed in links_in(html)
    listed = client.get(todays_failed).content.decode()
    assert failed.reference in listed and "B-DASH-2" not in listed and "B-DASH-OLD" not in listed

    for link in links_in(html):
        if "?" in link and not link.startswith(reverse("admin:opsconsole_taskrun_changelist")):
            assert client.get(link).status_code == 200, link


def test_the_front_page_hides_what_a_person_cannot_open(operations, client_as):
    auditor = client_as("auditor").get(reverse("admin:index")).content.decode()
    assert 'id="dashboard-batches"' in auditor and 'id="dashboard-waiting-items"' in auditor
    assert 'id="dashboard-disbursements"' not in auditor and 'id="dashboard-callbacks"' not in auditor
    assert reverse("admin:payments_disbursement_changelist") not in auditor
    ops = client_as("ops").get(reverse("admin:index")).content.decode()
    assert 'id="dashboard-disbursements"' in ops and reverse("admin:payments_callback_changelist") not in ops
    nobody = client_as("nobody").get(reverse("admin:index")).content.decode()
    assert 'id="dashboard-headline"' not in nobody
    assert ("Nothing here for your role yet: the dashboard shows batches, items, disbursements and callbacks to the "
            "people who may open them.") in nobody
    for changelist in ("batches_batch", "payments_item", "payments_disbursement", "payments_callback"):
        assert reverse(f"admin:{changelist}_changelist") not in nobody
