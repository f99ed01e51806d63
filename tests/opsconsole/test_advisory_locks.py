"""The console's advisory locks: one key per name, and a lock held by one session blocks that
lock only (archiving the audit trail and completing its daily review no longer wait on each
other, as they did when both used the same number)."""

from contextlib import closing

import psycopg2
import pytest
from django.db import connection, transaction

from opsconsole.advisory_locks import LOCKS, advisory_lock_key, advisory_xact_lock
from tests.celery_worker import database_url_for_processes
from tests.conftest import require_service


def test_every_lock_has_a_key_of_its_own_in_postgresqls_range():
    keys = {advisory_lock_key(name) for name in LOCKS}
    assert len(keys) == len(LOCKS)
    assert all(-2**63 <= key < 2**63 for key in keys)


def test_a_lock_nobody_named_is_refused():
    with pytest.raises(ValueError, match="There is no advisory lock called 'audit.archiving'"):
        advisory_lock_key("audit.archiving")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("held", sorted(LOCKS))
def test_a_lock_held_in_one_session_blocks_that_lock_only(held):
    require_service("PostgreSQL (advisory locks)", connection.vendor == "postgresql")
    with transaction.atomic():
        advisory_xact_lock(held)
        with closing(psycopg2.connect(database_url_for_processes())) as other, other.cursor() as cursor:
            taken = {}
            for name in sorted(LOCKS):
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [advisory_lock_key(name)])
                taken[name] = cursor.fetchone()[0]
            other.rollback()
    assert taken == {name: name != held for name in LOCKS}
