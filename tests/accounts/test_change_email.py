"""Change a customer's email: valid, unused on the platform, old address kept in history."""

import pytest
from django.core.management import CommandError, call_command

from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_request
from tests.factories import make_customer


def change_email(user, customer, new_email, *, reason="Customer asked in ticket"):
    return task_run_request(
        slug="change-email", target_id=customer.pk, raw_params={"new_email": new_email}, reason=reason,
        origin=Origin(user=user, source=TaskRun.Source.WEB, ip_address="10.0.0.7", user_agent="pytest"),
    )


def test_ops_changes_an_email_and_the_old_one_stays_in_history(staff):
    customer = make_customer(email="old@example.com")
    run = change_email(staff["ops"], customer, "new@example.com")
    customer.refresh_from_db()
    assert run.status == TaskRun.Status.SUCCEEDED
    assert customer.email == "new@example.com"
    emails = [entry.email for entry in customer.history.order_by("history_date")]
    assert emails == ["old@example.com", "new@example.com"]
    assert (run.ip_address, run.user_agent) == ("10.0.0.7", "pytest")


@pytest.mark.parametrize("new_email, message", [
    ("not an email", "new_email: Enter a valid email address."),
    ("", "new_email: This field is required."),
])
def test_invalid_email_is_refused_with_the_field_named(staff, new_email, message):
    customer = make_customer(email="keep@example.com")
    run = change_email(staff["ops"], customer, new_email)
    customer.refresh_from_db()
    assert (run.status, run.outcome) == (TaskRun.Status.REJECTED, message)
    assert customer.email == "keep@example.com"


def test_an_email_used_by_another_customer_of_the_platform_is_refused_naming_them(staff):
    customer = make_customer(email="mine@example.com")
    other = make_customer(platform=customer.platform, email="Taken@Example.com")
    run = change_email(staff["ops"], customer, "taken@example.com")
    assert run.status == TaskRun.Status.REJECTED
    assert f"already used by customer {other.external_id} (#{other.pk})" in run.outcome
    customer.refresh_from_db()
    assert customer.email == "mine@example.com"


def test_the_same_email_on_another_platform_is_allowed(staff):
    customer = make_customer(email="mine@example.com")
    make_customer(email="shared@example.com")
    assert change_email(staff["ops"], customer, "shared@example.com").status == TaskRun.Status.SUCCEEDED


def test_the_auditor_cannot_change_an_email(staff):
    customer = make_customer(email="keep@example.com")
    run = change_email(staff["auditor"], customer, "new@example.com")
    assert run.status == TaskRun.Status.REJECTED and run.outcome.startswith("permission: ")


class TestCommandLine:
    def test_lists_tasks(self, db, capsys):
        call_command("opstask", "list")
        assert "change-email" in capsys.readouterr().out

    def test_dry_run_prints_the_diff_and_writes_nothing(self, staff, capsys):
        customer = make_customer(email="old@example.com")
        call_command("opstask", "run", "change-email", "--as", "ops", "--target", str(customer.pk),
                     "--param", "new_email=new@example.com", "--dry-run")
        assert "'old@example.com' → 'new@example.com'" in capsys.readouterr().out
        customer.refresh_from_db()
        assert customer.email == "old@example.com" and not TaskRun.objects.exists()

    def test_runs_through_the_same_audit_path(self, staff, capsys):
        customer = make_customer(email="old@example.com")
        call_command("opstask", "run", "change-email", "--as", "ops", "--target", str(customer.pk),
                     "--param", "new_email=new@example.com", "--reason", "Phone request", "--ticket", "SUP-9")
        run = TaskRun.objects.get()
        assert (run.source, run.status, run.ticket_reference) == ("cli", "succeeded", "SUP-9")
        assert "succeeded" in capsys.readouterr().out

    @pytest.mark.parametrize("arguments, message", [
        (["--param", "new_email=bad"], "rejected: new_email: Enter a valid email address."),
        (["--param", "new_email=a@b.com", "--reason", ""], "rejected: reason: A reason is required"),
        (["--param", "oops"], "--param must look like KEY=VALUE"),
        (["--param", "new_email=a@b.com", "--ticket", "T" * 65],
         "rejected: ticket_reference: A ticket reference is at most 64"),
    ])
    def test_refusals_exit_non_zero_with_a_one_line_reason(self, staff, arguments, message):
        customer = make_customer(email="old@example.com")
        base = ["opstask", "run", "change-email", "--as", "ops", "--target", str(customer.pk), "--reason", "x"]
        with pytest.raises(CommandError, match=message.replace("(", r"\(")):
            call_command(*base, *arguments)
        customer.refresh_from_db()
        assert customer.email == "old@example.com"

    def test_unknown_user_is_refused(self, db):
        with pytest.raises(CommandError, match="no active user called 'ghost'"):
            call_command("opstask", "run", "change-email", "--as", "ghost", "--target", "1", "--reason", "x")
