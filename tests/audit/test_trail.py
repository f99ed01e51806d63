"""The trail records each task step and sign-in, chains every record to the one before, and
refuses any change or deletion, through the ORM and, on PostgreSQL, through raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from audit.chain import GENESIS_HASH, chained_hash
from audit.models import AppendOnlyError, AuditEvent
from audit.services.recording import record_event
from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_request
from tests.conftest import PASSWORD, authenticator_code, authenticator_of
from tests.factories import make_customer


def change_email(user, customer, email="new@example.com", reason="Customer asked by phone"):
    return task_run_request(
        slug="change-email", target_id=customer.pk, raw_params={"new_email": email}, reason=reason,
        origin=Origin(user=user, source=TaskRun.Source.WEB, ip_address="203.0.113.9", user_agent="Firefox"),
    )


def test_a_task_run_leaves_its_request_and_its_outcome_with_who_where_and_what(staff):
    customer = make_customer(email="old@example.com")
    run = change_email(staff["ops"], customer)
    events = list(AuditEvent.objects.filter(task_run=run).order_by("id"))
    assert [event.action for event in events] == [AuditEvent.Action.TASK_REQUESTED, AuditEvent.Action.TASK_SUCCEEDED]
    succeeded = events[-1]
    assert (succeeded.actor, succeeded.ip_address, succeeded.outcome) == (staff["ops"], "203.0.113.9", "success")
    assert (succeeded.object_type.model, succeeded.object_id) == ("customer", str(customer.pk))
    assert succeeded.task_slug == "change-email" and succeeded.occurred_at is not None


def test_a_refused_task_is_recorded_as_a_failure(staff):
    customer = make_customer()
    run = change_email(staff["nobody"], customer)
    event = AuditEvent.objects.get(task_run=run)
    assert (event.action, event.outcome, event.actor) == (AuditEvent.Action.TASK_REFUSED, "failure", staff["nobody"])
    assert "permission" in event.summary


def test_each_record_is_chained_to_the_one_before(db):
    first = record_event(AuditEvent.Action.EXPORT, actor_name="system", summary="one")
    second = record_event(AuditEvent.Action.EXPORT, actor_name="system", summary="two")
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.record_hash and second.id == first.id + 1
    stored = AuditEvent.objects.values().get(pk=second.pk)
    assert chained_hash(first.record_hash, stored) == second.record_hash


def test_sign_ins_and_failed_sign_ins_are_recorded_with_the_address(staff):
    client = Client(REMOTE_ADDR="198.51.100.7")
    client.post("/login/", {"username": "ops", "password": "wrong-password"})
    client.post("/login/", {"username": "ops", "password": PASSWORD})
    client.post("/login/code/", {"code": authenticator_code(authenticator_of(staff["ops"]))})
    failed, succeeded = AuditEvent.objects.filter(action__startswith="auth.").order_by("id")
    assert (failed.action, failed.outcome, failed.actor_name, failed.ip_address) == (
        AuditEvent.Action.LOGIN_FAILED, "failure", "ops", "198.51.100.7")
    assert (succeeded.action, succeeded.actor, succeeded.ip_address) == (
        AuditEvent.Action.LOGIN, staff["ops"], "198.51.100.7")


def test_the_orm_refuses_to_change_or_delete_a_record(db):
    event = record_event(AuditEvent.Action.EXPORT, summary="tickets")
    event.summary = "nothing happened"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="nothing happened")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "tickets"


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditevent SET summary = 'nothing happened'",
    "DELETE FROM audit_auditevent",
])
def test_postgresql_refuses_raw_sql_that_changes_or_deletes_records(db, statement):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    event = record_event(AuditEvent.Action.EXPORT, summary="tickets")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.get(pk=event.pk).summary == "tickets"
