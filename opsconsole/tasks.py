"""Celery adapters: take ids, call a service."""

from celery import shared_task

from opsconsole.tasking.services import task_run_execute, task_runs_sweep


@shared_task(name="opsconsole.execute_task_run", acks_late=True, reject_on_worker_lost=True)
def execute_task_run(run_id: int) -> str:
    return task_run_execute(run_id=run_id).status


@shared_task(name="opsconsole.sweep_task_runs")
def sweep_task_runs() -> list[int]:
    return task_runs_sweep()
