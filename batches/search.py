"""Batches and batch entries in the console's search box (search/registry.py)."""

from batches.models import Batch, BatchEntry
from search.registry import QueryShape, SearchField, SearchKind, register


def describe_batch(batch: Batch, user) -> tuple[str, str]:
    return f"Batch {batch.reference}", (
        f"{batch.get_network_display()} {batch.get_direction_display().lower()}, "
        f"{batch.get_status_display()}, processing {batch.processing_date:%d %b %Y}"
    )


def describe_batch_entry(entry: BatchEntry, user) -> tuple[str, str]:
    return f"Batch entry {entry.trace_number}", f"In batch {entry.batch.reference}, {entry.get_status_display()}"


register(SearchKind(
    key="batch", model=Batch, title="Batch", plural="Batches", icon="account_balance", order=50,
    fields=(
        SearchField(QueryShape.NUMBER, "pk", "id"),
        SearchField(QueryShape.REFERENCE, "reference", "reference"),
    ),
    shown=("reference", "network", "direction", "status", "processing_date"),
    describe=describe_batch,
    found_by="a batch's reference, or a batch entry's trace number",
))

register(SearchKind(
    key="batch_entry", model=BatchEntry, title="Batch entry", plural="Batch entries", icon="receipt_long", order=60,
    fields=(
        SearchField(QueryShape.NUMBER, "pk", "id"),
        SearchField(QueryShape.REFERENCE, "trace_number", "trace number"),
    ),
    shown=("trace_number", "status", "batch_id", "batch__reference"),
    describe=describe_batch_entry,
))
