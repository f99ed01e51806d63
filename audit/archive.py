"""Retention: where the archived part of the chain ends (the archiving command builds on this)."""

from audit.models import AuditArchive


def archived_chain_head() -> tuple[int, str] | None:
    latest = AuditArchive.objects.order_by("-last_id").values_list("last_id", "last_hash").first()
    return latest
