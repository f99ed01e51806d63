"""PostgreSQL advisory locks by name. Each lock the console takes is named here, once; its key is
worked out from the name, so two different locks can never share a key by a copied number, and a
new lock is a new name in `LOCKS`.

SQLite needs none of them: its writers already queue for the database lock.
"""

import hashlib

from django.db import connections

# Appends to the audit chain, one at a time, so each sees the hash before it.
AUDIT_CHAIN = "audit.chain"
# One archiving run at a time.
AUDIT_ARCHIVE = "audit.archive"
# One completion of the daily review at a time (there may be no review row yet to lock).
AUDIT_REVIEW = "audit.review"
LOCKS = frozenset({AUDIT_CHAIN, AUDIT_ARCHIVE, AUDIT_REVIEW})

UNKNOWN_LOCK = "There is no advisory lock called {name!r}: name it in opsconsole/advisory_locks.py."


def advisory_lock_key(name: str) -> int:
    """The signed 64-bit key PostgreSQL locks for the lock called `name`: the same in every
    process and release, different for every name."""
    if name not in LOCKS:
        raise ValueError(UNKNOWN_LOCK.format(name=name))
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def advisory_xact_lock(name: str, *, using: str = "default") -> None:
    """Wait for the lock called `name` and hold it until the current transaction ends."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [advisory_lock_key(name)])
