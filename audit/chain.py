"""The hash chain: each record's hash covers its own content and the hash before it, so a
changed, removed or inserted record breaks every link after it."""

import hashlib
import json

GENESIS_HASH = "0" * 64

CHAINED_FIELDS = (
    "id", "occurred_at", "action", "outcome", "actor_id", "actor_name", "source", "ip_address", "user_agent",
    "object_type_id", "object_id", "object_repr", "task_run_id", "task_slug", "high_risk", "summary", "details",
)


def record_content(values: dict) -> str:
    """The canonical text of one record, from model attributes or a `values()` row alike."""
    content = {name: values[name] for name in CHAINED_FIELDS}
    content["occurred_at"] = content["occurred_at"].isoformat()
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)


def chained_hash(previous_hash: str, values: dict) -> str:
    return hashlib.sha256(f"{previous_hash}|{record_content(values)}".encode()).hexdigest()
