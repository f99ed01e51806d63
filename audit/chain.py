"""The hash chain: each record's hash covers its own content and the hash before it, so a
changed, removed or inserted record breaks every link after it."""

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum

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


class LinkProblem(StrEnum):
    CONTENT_CHANGED = "content changed"
    LINK_BROKEN = "link broken"
    RECORD_MISSING = "record missing"
    NOT_AS_CHECKPOINTED = "not as checkpointed"


@dataclass(frozen=True)
class BrokenLink:
    """The first record that does not follow from the one before it, and why."""

    record_id: int
    problem: LinkProblem
    explanation: str


class ChainWalk:
    """Follows the chain record by record, in id order, from a known point: the start of the
    trail, or the end of its archived part.

    A record follows on when its id is the next one, it names the hash before it, and its
    content still hashes to its own hash. The walk stops following at the first that does not.
    """

    def __init__(self, *, after_id: int = 0, previous_hash: str = GENESIS_HASH):
        self.last_id = after_id
        self.last_hash = previous_hash
        self.records_followed = 0

    def follow(self, record: dict) -> BrokenLink | None:
        """Take the next record (the chained fields and both hashes); None when it follows on."""
        record_id = record["id"]
        if record_id != self.last_id + 1:
            return self._out_of_sequence(record_id)
        if record["previous_hash"] != self.last_hash:
            return BrokenLink(record_id, LinkProblem.LINK_BROKEN,
                              f"it names {record['previous_hash'][:12]}… as the hash before it, "
                              f"but #{self.last_id} ends with {self.last_hash[:12]}…")
        if chained_hash(self.last_hash, record) != record["record_hash"]:
            return BrokenLink(record_id, LinkProblem.CONTENT_CHANGED,
                              "its content no longer matches its hash, so it was changed after it was written")
        self.last_id, self.last_hash = record_id, record["record_hash"]
        self.records_followed += 1
        return None

    def reaches(self, *, last_id: int, last_hash: str) -> BrokenLink | None:
        """Check that the walk ended where the chain is known to end; None when it did."""
        if self.last_id < last_id:
            return self._missing(self.last_id + 1, last_id, where="at the end")
        if (self.last_id, self.last_hash) != (last_id, last_hash):
            return BrokenLink(self.last_id, LinkProblem.LINK_BROKEN,
                              f"the chain should end at #{last_id} with {last_hash[:12]}…")
        return None

    def _out_of_sequence(self, record_id: int) -> BrokenLink:
        if record_id > self.last_id + 1:
            return self._missing(self.last_id + 1, record_id - 1, where=f"before #{record_id}")
        return BrokenLink(record_id, LinkProblem.LINK_BROKEN,
                          f"ids go up by one, but #{record_id} follows #{self.last_id}")

    def _missing(self, first_id: int, last_id: int, *, where: str) -> BrokenLink:
        records = f"#{first_id} is" if first_id == last_id else f"#{first_id}–#{last_id} are"
        return BrokenLink(first_id, LinkProblem.RECORD_MISSING, f"{records} missing {where}")
