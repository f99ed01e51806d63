"""Platform traffic nobody seeded — healthy, failing from the first day, failing for one client,
failing after a change, sparse — with changelog entries anywhere: whatever a platform does, a
client version or endpoint failing a large share of enough requests is never passed over, and a
change is named as a cause only when it could be one (it touches that endpoint, or breaks the
whole API, and is dated on or just before the rise)."""

import datetime

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from apilog.clients import ApiClient
from apilog.diagnosis import CHANGE_BEFORE_DAYS, PERSISTENT_FAILING_RATE, PERSISTENT_MIN_REQUESTS, api_diagnosis
from apilog.latency import BUCKET_FIELDS, LatencyHistogram, bucket_index
from apilog.models import ApiChange
from apilog.selectors import ApiWindow, PlatformTraffic, TrafficCell

WINDOW = ApiWindow.ending(datetime.date(2026, 11, 27))
ENDPOINTS = ["POST /items", "GET /items/{id}", "POST /bank_accounts"]
CLIENTS = [ApiClient("payments-sdk-python", "1.9.2"), ApiClient("payments-sdk-python", "1.10.0"),
           ApiClient("payments-sdk-dotnet", "2.3.1")]
FAILURE = {"POST /items": (422, "fee_id_invalid"), "GET /items/{id}": (404, "item_not_found"),
           "POST /bank_accounts": (500, "internal_error")}


def histogram(count: int, latency_ms: int = 120) -> LatencyHistogram:
    counts = [0] * len(BUCKET_FIELDS)
    counts[bucket_index(latency_ms)] = count
    return LatencyHistogram(counts, count * latency_ms, latency_ms if count else 0)


STREAM = st.fixed_dictionaries({
    "endpoint": st.sampled_from(ENDPOINTS),
    "client": st.sampled_from(CLIENTS),
    "per_day": st.integers(0, 12),
    "first_day": st.integers(0, 29),
    "failing_share": st.sampled_from([0.0, 0.0, 0.02, 0.3, 0.6, 1.0]),
    "failing_from": st.none() | st.integers(0, 29),
})
CHANGE = st.fixed_dictionaries({
    "endpoint": st.sampled_from(["", *ENDPOINTS]),
    "breaking": st.booleans(),
    "day": st.integers(0, 29),
})


def traffic_of(streams: list[dict]) -> PlatformTraffic:
    """Each stream: `per_day` requests a day from `first_day` on, of which a share fails (all
    days, or from `failing_from` on)."""
    cells = []
    for stream in streams:
        method, path = stream["endpoint"].split(" ", 1)
        status, error = FAILURE[stream["endpoint"]]
        for offset in range(stream["first_day"], len(WINDOW.days)):
            failing_today = stream["failing_from"] is None or offset >= stream["failing_from"]
            failed = round(stream["per_day"] * stream["failing_share"]) if failing_today else 0
            day = WINDOW.days[offset]
            client = stream["client"]
            for count, status_code, error_code in ((stream["per_day"] - failed, 200, ""), (failed, status, error)):
                if count:
                    cells.append(TrafficCell(day, method, path, client.name, client.version, status_code,
                                             error_code, histogram(count)))
    return PlatformTraffic(1, WINDOW, cells)


def change_of(spec: dict) -> ApiChange:
    return ApiChange(changed_at=datetime.datetime.combine(WINDOW.days[spec["day"]], datetime.time(1),
                                                          tzinfo=datetime.UTC),
                     endpoint=spec["endpoint"], summary="a change", breaking=spec["breaking"])


def failing_a_lot(cells: list[TrafficCell]) -> bool:
    total = sum(cell.count for cell in cells)
    failed = sum(cell.count for cell in cells if cell.failed)
    return total >= PERSISTENT_MIN_REQUESTS and failed / total >= PERSISTENT_FAILING_RATE


@hypothesis_settings(max_examples=300, deadline=None)
@given(streams=st.lists(STREAM, min_size=1, max_size=6), changes=st.lists(CHANGE, max_size=4))
def test_heavy_failures_are_always_found_and_a_cause_is_named_only_when_it_could_be_one(streams, changes):
    traffic = traffic_of(streams)
    diagnosis = api_diagnosis(traffic, [change_of(spec) for spec in changes])
    found_endpoints = {finding.endpoint for finding in diagnosis.findings}

    for endpoint in traffic.endpoints:
        cells = traffic.for_endpoint(endpoint)
        by_client = {}
        for cell in cells:
            by_client.setdefault((cell.client_name, cell.client_version), []).append(cell)
        if failing_a_lot(cells) or any(failing_a_lot(client_cells) for client_cells in by_client.values()):
            assert endpoint in found_endpoints, (endpoint, diagnosis)

    for rise in [*diagnosis.error_rises, *diagnosis.latency_rises]:
        if rise.change is None:
            continue
        change_day = rise.change.changed_at.astimezone(datetime.UTC).date()
        assert rise.change.endpoint == rise.endpoint or (not rise.change.endpoint and rise.change.breaking), rise
        assert 0 <= (rise.since - change_day).days <= CHANGE_BEFORE_DAYS, rise
        if rise.kind == "error_rate":
            assert rise.after > rise.before and rise.failed_after > 0, rise


def test_a_platform_failing_from_its_first_day_is_not_healthy():
    streams = [{"endpoint": "POST /items", "client": CLIENTS[2], "per_day": 10, "first_day": 0,
                "failing_share": 0.6, "failing_from": None},
               {"endpoint": "POST /items", "client": CLIENTS[1], "per_day": 10, "first_day": 0,
                "failing_share": 0.0, "failing_from": None}]
    [finding] = api_diagnosis(traffic_of(streams), []).findings
    assert (finding.endpoint, finding.client, finding.top_error) == ("POST /items", CLIENTS[2], (422, "fee_id_invalid"))


def test_a_whole_api_note_that_breaks_nothing_is_not_named_as_a_cause():
    streams = [{"endpoint": "POST /items", "client": CLIENTS[0], "per_day": 12, "first_day": 0,
                "failing_share": 0.6, "failing_from": 20}]
    note = {"endpoint": "", "breaking": False, "day": 20}
    [rise] = api_diagnosis(traffic_of(streams), [change_of(note)]).error_rises
    assert rise.change is None
    deploy = {"endpoint": "POST /items", "breaking": False, "day": 20}
    after_the_rise = {"endpoint": "POST /items", "breaking": True, "day": 22}
    [rise] = api_diagnosis(traffic_of(streams), [change_of(note), change_of(after_the_rise),
                                                 change_of(deploy)]).error_rises
    assert rise.change.endpoint == "POST /items" and rise.change.changed_at.date() == WINDOW.days[20]
