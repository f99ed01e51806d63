"""Celery adapters for the support workspace: take ids, call a service."""

from celery import shared_task

from support.services.clocks import tickets_refresh_sla


@shared_task(name="support.refresh_ticket_slas")
def refresh_ticket_slas() -> int:
    """Every five minutes (CELERY_BEAT_SCHEDULE): mark open tickets at risk or breached."""
    return tickets_refresh_sla()
