"""Batch reprocess throughput: the real `reprocess-batch` task on a real Celery worker, against
resubmitting entry by entry with `.save()` (a history row each), in the same run.

    python -m bench.reprocess --database opsconsole_bench --entries 1000000 --baseline-entries 5000

Both batches are failed credit batches made for the purpose: every entry pays out its own failed
disbursement, one in a hundred has invalid account details (skipped), and every entry,
disbursement and batch has the history row its creation left. Prints a JSON record.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.bulk_load import log
from bench.environment import django_setup_for
from bench.processes import process_group_stop

REPROCESS_REFERENCE = "B-BENCH-REPROCESS"
ROW_BY_ROW_REFERENCE = "B-BENCH-ROW-BY-ROW"
INVALID_EVERY = 100
BENCH_REDIS_URL = "redis://127.0.0.1:6379/14"
REASON = "The bank rejected the file (benchmark)"


def bench_redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL", BENCH_REDIS_URL)


def history_insert(model, where: str) -> str:
    """The '+' history row each matching row would have got when it was created."""
    history = model.history.model
    values = {"history_date": "now()", "history_change_reason": "NULL", "history_type": "'+'",
              "history_user_id": "NULL"}
    columns, selected = [], []
    for field in history._meta.concrete_fields:
        if field.name == "history_id":
            continue
        columns.append(field.column)
        selected.append(values[field.column] if field.column in values else field.column)
    return (f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(selected)} FROM {model._meta.db_table} WHERE {where}")


def failed_batch_delete(reference: str) -> None:
    from django.db import connection, transaction

    from batches.models import Batch, BatchEntry
    from payments.models import Disbursement

    batch = Batch.objects.filter(reference=reference).first()
    if batch is None:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Disbursement.history.model._meta.db_table} WHERE reference LIKE %s",
                       [f"{disbursement_prefix(reference)}%"])
        cursor.execute(f"DELETE FROM {BatchEntry.history.model._meta.db_table} WHERE batch_id = %s", [batch.pk])
        cursor.execute(f"DELETE FROM {BatchEntry._meta.db_table} WHERE batch_id = %s", [batch.pk])
        cursor.execute(f"DELETE FROM {Disbursement._meta.db_table} WHERE reference LIKE %s",
                       [f"{disbursement_prefix(reference)}%"])
        cursor.execute(f"DELETE FROM {Batch.history.model._meta.db_table} WHERE id = %s", [batch.pk])
        cursor.execute(f"DELETE FROM {Batch._meta.db_table} WHERE id = %s", [batch.pk])
    # The server may not vacuum by itself (autovacuum off): the dead rows of a million deleted
    # entries would otherwise stay in the indexes and slow the planning of every later join on them.
    with connection.cursor() as cursor:
        for model in (BatchEntry, Disbursement, Batch):
            for table in (model._meta.db_table, model.history.model._meta.db_table):
                cursor.execute(f"VACUUM (ANALYZE) {table}")


def disbursement_prefix(reference: str) -> str:
    return f"D-{reference.removeprefix('B-BENCH-')[:6]}-"


def failed_batch_create(*, reference: str, entries: int):
    """A failed BECS credit batch of `entries` entries, each paying a verified seller account."""
    import datetime

    from django.db import connection, transaction
    from django.utils import timezone

    from batches.models import Batch, BatchEntry
    from opsconsole.business_calendar import calendar_for
    from payments.models import Disbursement

    failed_batch_delete(reference)
    now = timezone.now()
    calendar = calendar_for("becs")
    day = calendar.previous_business_day(now.astimezone(calendar.time_zone).date())
    cutoff = calendar.cutoff_on(day)
    with transaction.atomic():
        batch = Batch.objects.create(
            reference=reference, network="becs", direction="credit", currency="AUD", status=Batch.Status.FAILED,
            processing_date=day, cutoff_at=cutoff, submitted_at=cutoff - datetime.timedelta(minutes=40),
            failure_reason="File rejected by the bank: control totals do not match",
            created_at=cutoff - datetime.timedelta(hours=8),
        )
        prefix = disbursement_prefix(reference)
        with connection.cursor() as cursor:
            cursor.execute(f"""
                WITH accounts AS (
                    SELECT ba.id, ba.customer_id, row_number() OVER (ORDER BY ba.id) - 1 AS position
                    FROM accounts_bankaccount ba JOIN accounts_customer cu ON cu.id = ba.customer_id
                    WHERE ba.status = 'verified' AND cu.kind = 'seller' AND ba.currency = 'AUD'
                    ORDER BY ba.id LIMIT 100000),
                numbered AS (
                    SELECT n, a.id AS bank_account_id, a.customer_id, 1000 + (n * 7919) %% 400000 AS amount
                    FROM generate_series(0::bigint, %(entries)s - 1) n
                    JOIN accounts a ON a.position = n %% (SELECT count(*) FROM accounts)),
                disbursements AS (
                    INSERT INTO {Disbursement._meta.db_table} (seller_id, item_id, bank_account_id, amount, currency,
                        status, reference, failure_reason, retry_of_id, created_at, paid_at)
                    SELECT customer_id, NULL, bank_account_id, amount, 'AUD', 'failed',
                           %(prefix)s || lpad(n::text, 8, '0'), 'Batch file rejected by the bank', NULL, %(created)s,
                           NULL
                    FROM numbered
                    RETURNING id, seller_id, bank_account_id, amount)
                INSERT INTO {BatchEntry._meta.db_table} (batch_id, direction, customer_id, bank_account_id, charge_id,
                    disbursement_id, amount, currency, status, trace_number, return_code, returned_at,
                    validation_error, created_at)
                SELECT %(batch)s, 'credit', seller_id, bank_account_id, NULL, id, amount, 'AUD',
                       CASE WHEN id %% {INVALID_EVERY} = 0 THEN 'rejected' ELSE 'submitted' END,
                       %(reference)s || '-' || lpad(id::text, 12, '0'), '', NULL,
                       CASE WHEN id %% {INVALID_EVERY} = 0 THEN 'Account number fails the bank''s check' ELSE '' END,
                       %(created)s
                FROM disbursements
            """, {"entries": entries, "prefix": prefix, "batch": batch.pk, "reference": reference,
                  "created": batch.created_at})
            cursor.execute(f"UPDATE {Batch._meta.db_table} SET entry_count = %s, total_amount = "
                           f"(SELECT sum(amount) FROM {BatchEntry._meta.db_table} WHERE batch_id = %s) WHERE id = %s",
                           [entries, batch.pk, batch.pk])
            cursor.execute(history_insert(Batch, "id = %s"), [batch.pk])
            cursor.execute(history_insert(BatchEntry, "batch_id = %s"), [batch.pk])
            cursor.execute(history_insert(Disbursement, "reference LIKE %s"), [f"{prefix}%"])
    with connection.cursor() as cursor:
        for model in (BatchEntry, BatchEntry.history.model, Disbursement, Disbursement.history.model):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    batch.refresh_from_db()
    return batch


def resubmit_row_by_row(batch, *, user) -> int:
    """What a developer writes without the task framework: each entry saved on its own, in its
    own transaction, simple-history writing a history row per save."""
    from django.db import transaction

    from batches.models import BatchEntry
    from batches.selectors import batch_entry_skip_reason
    from batches.services import batch_resubmit
    from payments.models import Disbursement

    done = 0
    for entry in batch.entries.select_related("bank_account", "disbursement").order_by("id"):
        done += 1
        if batch_entry_skip_reason(entry=entry):
            continue
        with transaction.atomic():
            entry.status = BatchEntry.Status.SUBMITTED
            entry._history_user, entry._change_reason = user, REASON
            entry.save()
            disbursement = entry.disbursement
            if disbursement is not None:
                disbursement.status, disbursement.failure_reason = Disbursement.Status.BATCHED, ""
                disbursement._history_user, disbursement._change_reason = user, REASON
                disbursement.save()
    batch_resubmit(batch=batch, reprocess_round=batch.reprocess_count + 1)
    return done


class Worker:
    """A Celery worker process on the benchmark database, as production runs it."""

    def __init__(self, log_path: Path, environment: dict):
        self.log_path = log_path
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=Path(__file__).resolve().parents[1], env=environment, stdout=log_path.open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if " ready." in log_path.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"the Celery worker did not start:\n{log_path.read_text(errors='replace')[-3000:]}")

    def memory_mb(self, field: str) -> float:
        """VmHWM (the peak resident set) or VmRSS of the worker, in megabytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no {field} for the worker")

    def stop(self) -> None:
        process_group_stop(self.process)


def reprocess_on_worker(batch, *, requester, approver) -> dict:
    from opsconsole.models import TaskRun
    from opsconsole.tasking.services import Origin, task_run_approve, task_run_request

    run = task_run_request(slug="reprocess-batch", target_id=batch.pk,
                           raw_params={"confirm_reference": batch.reference}, reason=REASON,
                           origin=Origin(user=requester, source=TaskRun.Source.CLI))
    if run.status == TaskRun.Status.AWAITING_APPROVAL:
        run = task_run_approve(run_id=run.pk, approver=approver, comment="Benchmark")
    deadline = time.monotonic() + 600 + batch.entry_count / 100
    while not run.is_finished:
        if time.monotonic() > deadline:
            raise RuntimeError(f"run #{run.pk} did not finish: {run.status} {run.progress_done}/{run.progress_total}")
        time.sleep(0.5)
        run.refresh_from_db()
    if run.status != TaskRun.Status.SUCCEEDED:
        raise RuntimeError(f"run #{run.pk} {run.status}: {run.outcome}")
    seconds = (run.finished_at - run.started_at).total_seconds()
    return {"run": run.pk, "entries": run.progress_done, "seconds": seconds, "outcome": run.outcome}


def reprocess_benchmark(*, entries: int, baseline_entries: int, log_dir: Path) -> dict:
    from django.contrib.auth.models import User

    from batches.models import BatchEntry

    requester, approver = User.objects.get(username="lead"), User.objects.get(username="admin")
    log(f"Reprocess: making a failed batch of {entries:,} entries and one of {baseline_entries:,}")
    batch = failed_batch_create(reference=REPROCESS_REFERENCE, entries=entries)
    baseline_batch = failed_batch_create(reference=ROW_BY_ROW_REFERENCE, entries=baseline_entries)

    log("Reprocess: row by row")
    started = time.monotonic()
    baseline_done = resubmit_row_by_row(baseline_batch, user=requester)
    baseline_seconds = time.monotonic() - started

    log("Reprocess: the reprocess-batch task on a Celery worker")
    from django.db import connection

    connection.close()  # the worker and this process each hold their own
    from config.celery import app

    app.control.purge()
    worker = Worker(log_dir / "celery-worker.log", dict(os.environ))
    try:
        rss_at_start = worker.memory_mb("VmRSS")
        result = reprocess_on_worker(batch, requester=requester, approver=approver)
        peak = worker.memory_mb("VmHWM")
    finally:
        worker.stop()
    history_rows = BatchEntry.history.filter(batch_id=batch.pk, history_type="~").count()
    log("Reprocess: removing the two batches again")
    for reference in (REPROCESS_REFERENCE, ROW_BY_ROW_REFERENCE):
        failed_batch_delete(reference)
    rate = result["entries"] / result["seconds"]
    baseline_rate = baseline_done / baseline_seconds
    return {
        "name": "batch reprocess", "kind": "reprocess", "unit": "entries/s", "rate": round(rate, 1),
        "baseline_rate": round(baseline_rate, 1), "ratio": round(rate / baseline_rate, 1),
        "entries": result["entries"], "seconds": round(result["seconds"], 1), "history_rows": history_rows,
        "baseline_entries": baseline_done, "baseline_seconds": round(baseline_seconds, 1),
        "worker_peak_rss_mb": round(peak, 1), "worker_rss_at_start_mb": round(rss_at_start, 1),
        "outcome": result["outcome"],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Batch reprocess throughput, as one JSON record.")
    parser.add_argument("--database", required=True)
    parser.add_argument("--entries", type=int, required=True)
    parser.add_argument("--baseline-entries", type=int, required=True)
    parser.add_argument("--log-dir", type=Path, required=True)
    arguments = parser.parse_args(argv)
    os.environ["REDIS_URL"] = bench_redis_url()
    os.environ["TASK_RUNNER"] = "celery"
    django_setup_for(arguments.database)
    print(json.dumps(reprocess_benchmark(entries=arguments.entries, baseline_entries=arguments.baseline_entries,
                                         log_dir=arguments.log_dir)))


if __name__ == "__main__":
    main()
