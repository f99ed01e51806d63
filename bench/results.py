"""Writing a run's records: `bench/results/<date>.json` (one record per page or job) and the same
as a markdown table, which is also printed."""

import datetime
import json
import os
import platform
from pathlib import Path

from bench.browser_timing import BROWSER_LOAD, browser_misses
from bench.browser_timing import markdown_rows as browser_rows
from bench.budgets import (
    PAGE_P95_MS,
    REFERENCE_FIXED_WORK_MS,
    concurrency_misses,
    job_budget_text,
    job_misses,
    mean_fixed_work_ms,
    page_budget_text,
    page_misses,
    record_fixed_work_ms,
    speed_factor,
)
from bench.concurrency import concurrency_table

SUMMARY_TABLES = (
    "accounts_customer", "payments_item", "payments_transaction", "payments_disbursement", "batches_batch",
    "batches_batchentry", "payments_itemstatechange", "payments_charge", "audit_auditevent", "apilog_apirequest",
)


def machine() -> dict:
    cpu = ""
    memory_gb = None
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
        memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal"))
        memory_gb = round(memory_kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gb": memory_gb, "python": platform.python_version(),
            "load_average_at_end": [round(value, 2) for value in load] if load else None}


def with_verdicts(records: list[dict], *, fixed_work_ms: float | None = None) -> list[dict]:
    """Each record with its misses; pages and jobs also with the budget that applied, scaled to
    the machine's speed: the record's own figure, else the run's (`fixed_work_ms`)."""
    for record in records:
        speed = record_fixed_work_ms(record, fixed_work_ms)
        if record["kind"] == BROWSER_LOAD:
            record["misses"] = browser_misses(record)
        elif record["kind"] in PAGE_P95_MS:
            record["budget"] = page_budget_text(record, speed)
            record["misses"] = page_misses(record, fixed_work_ms=speed)
        elif record["kind"] == "concurrency":
            record["misses"] = concurrency_misses(record)
        else:
            record["budget"] = job_budget_text(record, speed)
            record["misses"] = job_misses(record, fixed_work_ms=speed)
    return records


def number(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def page_row(record: dict) -> str:
    if record.get("baseline_timed_out"):
        stock = f"> {number(record['baseline_p95_ms'])} (timed out)"
    elif record.get("baseline_error"):
        stock = f"{record['baseline_error']}"
    else:
        stock = number(record.get("baseline_p95_ms"))
    ratio = record.get("ratio")
    ratio_text = "–" if ratio is None else f"{'≥ ' if record.get('ratio_is_lower_bound') else ''}{ratio:,.0f}×"
    queries = f"{number(record.get('queries'))} / {number(record.get('queries_other_size'))}"
    weight = f"{kilobytes(record.get('bytes'))} / {kilobytes(record.get('gzip_bytes'))}"
    verdict = "ok" if not record["misses"] else "; ".join(record["misses"])
    return (f"| {record['name']} | {number(record.get('p50_ms'), 1)} | {number(record.get('p95_ms'), 1)} | {queries} "
            f"| {weight} | {stock} | {ratio_text} | {fixed_work(record)} | {record['budget']} | {verdict} |")


def fixed_work(record: dict) -> str:
    """The fixed work timed just before and just after the record's measurement, in ms."""
    speed = record.get("fixed_work_ms")
    return "–" if not speed else f"{speed['start']:g} / {speed['end']:g}"


def kilobytes(size: int | None) -> str:
    """A weight in KB; a redirect's empty body is 0."""
    if size is None:
        return "–"
    return "0" if size == 0 else f"{size / 1000:,.0f}" if size >= 10_000 else f"{size / 1000:,.1f}"


def job_row(record: dict) -> str:
    verdict = "ok" if not record["misses"] else "; ".join(record["misses"])
    if record["kind"] == "generate":
        counts = record.get("counts", {})
        made = ", ".join(f"{count:,} {table.split('_', 1)[1]}" for table, count in counts.items()
                         if table in SUMMARY_TABLES[:4])
        made += " (reused)" if record.get("reused") else ""
        return (f"| {record['name']} | {number(record['seconds'])} s | – | – | {made} | {fixed_work(record)} "
                f"| {record['budget']} | {verdict} |")
    extra = f"{record.get('history_rows', 0):,} history rows"
    if record.get("worker_peak_rss_mb") is not None:
        extra += f"; worker peak {record['worker_peak_rss_mb']:.0f} MB"
    return (f"| {record['name']} | {number(record.get('rate'))} {record.get('unit', '')} | "
            f"{number(record.get('baseline_rate'))} | {number(record.get('ratio'), 1)}× | {extra} | "
            f"{fixed_work(record)} | {record['budget']} | {verdict} |")


def speed_sentence(run: dict) -> str:
    speed = run.get("fixed_work_ms")
    if not speed:
        return ""
    figure = mean_fixed_work_ms(speed)
    factor = speed_factor(figure)
    scaling = ("they hold as stated" if factor == 1
               else f"each time allowed is multiplied, and each rate required divided, by {figure:g} / "
                    f"{REFERENCE_FIXED_WORK_MS} = {factor:.2f}")
    return (f" Machine speed: a fixed piece of Python work (bench/machine_speed.py) took {speed['start']:g} ms at "
            f"the start and {speed['end']:g} ms at the end; lower is faster. The absolute budgets are for a machine "
            f"that does it in at most {REFERENCE_FIXED_WORK_MS} ms. Each page and job is judged by the mean of the "
            f"fixed work timed just before and just after it (the fixed work column; a budget above it is scaled "
            f"by that figure / {REFERENCE_FIXED_WORK_MS}); the run's figure (the mean of its start and end) is "
            f"{figure:g} ms, for a record without its own: {scaling}.")


def markdown(run: dict, records: list[dict]) -> str:
    browser_records = [record for record in records if record["kind"] == BROWSER_LOAD]
    records = [record for record in records if record["kind"] != BROWSER_LOAD]
    sizes = (run["size"], run["other_size"])
    machine_info = run["machine"]
    lines = [
        f"# Benchmark {run['date']}, {run['size']} size",
        "",
        f"Machine: {machine_info['cores']} cores ({machine_info['cpu']}), {machine_info['memory_gb']} GB, "
        f"PostgreSQL {run['postgres']}, Python {machine_info['python']}. Load average at the end: "
        f"{machine_info['load_average_at_end']}.{speed_sentence(run)}",
        f"Data: {run['counts_summary']}.",
        f"Pages: {run['samples']} timed requests each after {run['warmups']} warm-up requests, measured by the client "
        f"over HTTP against gunicorn ({run['server']}); stock pages at most {run['stock_samples']} requests with a "
        f"{run['stock_timeout_s']} s timeout. Queries: at the {sizes[0]} / {sizes[1]} size. "
        "The budgets hold at the default size. Weight: the page's HTML in KB (1,000 bytes), as rendered / gzipped.",
        "",
        "| page | p50 ms | p95 ms | queries | KB / gzip KB | stock p95 ms | × stock | fixed work ms | budget "
        "| verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    lines += [page_row(record) for record in records if record["kind"] in PAGE_P95_MS]
    lines += ["", "| job | rate | baseline | × | notes | fixed work ms | budget | verdict |",
              "|---|---:|---:|---:|---|---:|---|---|"]
    lines += [job_row(record) for record in records if record["kind"] not in {*PAGE_P95_MS, "concurrency"}]
    for record in records:
        if record["kind"] == "concurrency":
            lines += ["", *concurrency_table(record)]
    lines += browser_rows(browser_records)
    return "\n".join(lines) + "\n"


def results_write(results_dir: Path, run: dict, records: list[dict]) -> tuple[Path, Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    stem = run["date"] if run["size"] == "default" else f"{run['date']}-{run['size']}"
    json_path, markdown_path = results_dir / f"{stem}.json", results_dir / f"{stem}.md"
    json_path.write_text(json.dumps({"run": run, "records": records}, indent=2, default=str) + "\n")
    markdown_path.write_text(markdown(run, records))
    return json_path, markdown_path


def today() -> str:
    return datetime.date.today().isoformat()
