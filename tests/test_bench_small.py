"""The small benchmark runs end to end and reports every page and job, so the harness cannot rot.

It generates the small and medium databases (under their own names), serves the console with
gunicorn, times and weighs every page against the stock admin, loads the lists cold in headless
Chromium against the stock admin's, runs concurrent clients, reprocesses a batch on a real Celery
worker and imports tickets. Only that it runs and reports is asserted, never its timings; and that
concurrent clients met no error.
"""

import json
import subprocess
import sys

import pytest

from bench.browser_timing import BROWSER_PAGES as BROWSER_LOADED_PAGES
from bench.browser_timing import CHROMIUM
from bench.database import PROJECT_DIR
from tests.bench_background import DATABASE_PREFIX, bench_env, postgresql_answers, redis_answers, start_the_benchmark
from tests.conftest import require_service

EXPECTED_PAGES = {
    "customers list", "customers list, deep page", "items list", "items list, deep page", "transactions list",
    "transactions list, deep page", "disbursements list", "disbursements list, deep page", "batches list",
    "batches list, deep page", "audit events list", "audit events list, deep page", "customer detail",
    "item detail", "transaction detail", "disbursement detail", "batch detail", "audit event detail",
    "search: id", "search: email", "search: reference", "search: card last four", "search: partial email",
}
PAGE_NUMBERS = ("p50_ms", "p95_ms", "queries", "queries_other_size", "baseline_p95_ms", "ratio")

pytestmark = pytest.mark.bench


@pytest.fixture(scope="module")
def small_run():
    """The results of one `make bench SCALE=small` with as few samples as still give numbers
    (tests/bench_background.py), which the suite started in the background."""
    require_service("PostgreSQL (the benchmark's own databases)", postgresql_answers())
    require_service("Redis (the benchmark's Celery worker)", redis_answers())
    finished = start_the_benchmark().wait()
    assert finished.returncode == 0, finished.errors[-5000:]
    [json_path] = finished.results_dir.glob("*-small.json")
    [markdown_path] = finished.results_dir.glob("*-small.md")
    return {"results": json.loads(json_path.read_text()), "markdown": markdown_path.read_text(),
            "printed": finished.printed}


def records_by_name(small_run) -> dict[str, dict]:
    return {record["name"]: record for record in small_run["results"]["records"]}


def test_every_page_is_timed_against_the_stock_admin_with_its_queries_at_two_sizes(small_run):
    records = records_by_name(small_run)
    assert EXPECTED_PAGES <= set(records)
    for name in EXPECTED_PAGES:
        record = records[name]
        assert "error" not in record, (name, record.get("error"))
        assert "baseline_error" not in record, (name, record.get("baseline_error"))
        for key in PAGE_NUMBERS:
            assert isinstance(record[key], (int, float)) and record[key] >= 0, (name, key, record.get(key))
        assert record["p95_ms"] > 0 and record["baseline_p95_ms"] > 0 and record["queries"] > 0
        assert record["baseline_url"].startswith("/stock/")
    assert small_run["results"]["run"]["other_size"] == "medium"


def test_every_page_is_weighed_as_rendered_and_as_gzipped(small_run):
    records = records_by_name(small_run)
    for name in EXPECTED_PAGES:
        record = records[name]
        assert record["bytes"] >= record["gzip_bytes"] >= 0, (name, record["bytes"], record["gzip_bytes"])
        if record["kind"] in {"list", "deep list"}:
            # GZipMiddleware compresses every page a browser may take gzipped.
            assert 0 < record["gzip_bytes"] < record["bytes"] / 2, name
    assert "| KB / gzip KB |" in small_run["markdown"]


def test_concurrent_clients_are_answered_at_every_level_without_an_error(small_run):
    concurrency = records_by_name(small_run)["concurrent clients"]
    assert "error" not in concurrency, concurrency.get("error")
    assert [level["clients"] for level in concurrency["levels"]] == [1, 4, 16]
    assert concurrency["warmup_errors"] == 0 and concurrency["misses"] == []
    for level in concurrency["levels"]:
        assert level["errors"] == 0, level["error_examples"]
        assert level["requests"] > 0 and level["requests_per_second"] > 0 and level["p95_ms"] > 0
        assert f"| {level['clients']} | {level['requests']:,} |" in small_run["markdown"]


def test_the_lists_are_loaded_cold_in_chromium_against_the_stock_admin(small_run):
    require_service("Chromium", CHROMIUM.exists())
    records = records_by_name(small_run)
    for name in BROWSER_LOADED_PAGES:
        record = records[f"{name}, cold browser load"]
        assert "error" not in record, record.get("error")
        assert record["loads"] == 1  # as asked (--browser-loads), each side
        for side in ("console", "stock"):
            figures = record[side]
            assert len(figures["load_samples_ms"]) == 1, (name, side)
            assert figures["resources"] > 0 and figures["decoded_bytes"] > 0 and figures["task_ms"] > 0, (name, side)
            assert 0 < figures["dom_content_loaded_ms"] <= figures["load_ms"], (name, side)
            assert figures["interactive_ms"] >= figures["dom_content_loaded_ms"], (name, side)
        assert record["server_p50_ms"] > 0 and record["baseline_server_p50_ms"] > 0
        assert not [path for path in record["console"]["resource_names"] if path.endswith("/chart.js")]
        assert f"| {name}, cold browser load |" in small_run["markdown"]


def test_the_reprocess_job_reports_both_rates_and_the_worker_memory(small_run):
    reprocess = records_by_name(small_run)["batch reprocess"]
    assert "error" not in reprocess, reprocess.get("error")
    for key in ("rate", "baseline_rate", "ratio", "worker_peak_rss_mb"):
        assert reprocess[key] > 0, key
    # Every resubmitted entry left its history row.
    assert reprocess["history_rows"] > 0 and reprocess["entries"] >= reprocess["history_rows"]


def test_the_import_job_reports_both_rates_with_history(small_run):
    ticket_import = records_by_name(small_run)["ticket import"]
    assert "error" not in ticket_import, ticket_import.get("error")
    assert ticket_import["rate"] > 0 and ticket_import["baseline_rate"] > 0
    assert ticket_import["history_rows"] == ticket_import["rows"]


def test_the_tracker_import_job_reports_its_rate_against_the_consoles_own_import(small_run):
    tracker_import = records_by_name(small_run)["tracker import"]
    assert "error" not in tracker_import, tracker_import.get("error")
    assert tracker_import["rate"] > 0 and tracker_import["baseline_rate"] > 0
    assert tracker_import["history_rows"] == tracker_import["rows"]


def test_the_table_is_written_and_printed_with_a_row_per_record(small_run):
    for name in [*EXPECTED_PAGES, "batch reprocess", "ticket import", "tracker import", "generate small"]:
        assert f"| {name} |" in small_run["markdown"]
        assert f"| {name} |" in small_run["printed"]
    assert "Machine:" in small_run["markdown"]


def test_the_machine_speed_is_read_at_the_start_and_the_end(small_run):
    speed = small_run["results"]["run"]["fixed_work_ms"]
    assert speed["start"] > 0 and speed["end"] > 0
    assert f"took {speed['start']:g} ms at the start and {speed['end']:g} ms at the end" in small_run["markdown"]


def test_each_page_and_job_carries_the_machine_speed_timed_around_it(small_run):
    records = {record["name"]: record for record in small_run["results"]["records"]}
    for name in [*EXPECTED_PAGES, "batch reprocess", "ticket import", "tracker import"]:
        speed = records[name]["fixed_work_ms"]
        assert speed["start"] > 0 and speed["end"] > 0
        assert f"| {speed['start']:g} / {speed['end']:g} |" in small_run["markdown"]


def test_the_generated_data_is_consistent_and_its_audit_trail_verifies(small_run):
    completed = subprocess.run([sys.executable, "-m", "bench.checks", "--database", f"{DATABASE_PREFIX}_small"],
                               cwd=PROJECT_DIR, env=bench_env(), capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    checks = json.loads(completed.stdout.strip().splitlines()[-1])
    assert checks == {"dangling_foreign_keys": {}, "audit_chain_intact": True}
