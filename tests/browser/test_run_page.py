"""A run's page in a browser: the essentials are on show, the internals hidden under "Details"
until it is opened."""

from django.contrib.contenttypes.models import ContentType
from playwright.sync_api import expect

from accounts.models import Customer
from accounts.ops.change_email import ChangeCustomerEmail
from opsconsole.models import TaskRun
from tests.factories import make_customer


def test_the_internals_show_only_once_details_is_opened(page, live_server, login, staff, tmp_path):
    staff["ops"].first_name, staff["ops"].last_name = "Priya", "Nair"
    staff["ops"].save()
    customer = make_customer()
    run = TaskRun.objects.create(
        task_slug=ChangeCustomerEmail.slug, task_title=ChangeCustomerEmail.title,
        target_type=ContentType.objects.get_for_model(Customer), target_id=str(customer.pk),
        target_repr=str(customer), requested_by=staff["ops"], source=TaskRun.Source.WEB,
        status=TaskRun.Status.SUCCEEDED, reason="Customer lost the old mailbox", outcome="Email changed.",
        idempotency_key="browser-run-page-key", user_agent="Mozilla/5.0 (browser run page)", ip_address="10.2.3.4",
        diff=[{"record": str(customer), "field": "email", "before": "old@example.com", "after": "new@example.com"}])
    login(page, live_server, "lead")

    page.goto(f"{live_server.url}/opsconsole/taskrun/{run.pk}/change/")

    expect(page.get_by_text("Priya Nair")).to_be_visible()
    expect(page.get_by_role("link", name=str(customer), exact=True)).to_be_visible()
    expect(page.get_by_text("Customer lost the old mailbox")).to_be_visible()
    expect(page.get_by_role("cell", name="new@example.com")).to_be_visible()
    key = page.get_by_text("browser-run-page-key")
    expect(key).to_be_hidden()
    expect(page.get_by_text("Mozilla/5.0 (browser run page)")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "run-page-closed.png"), full_page=True)

    page.locator("summary", has_text="Details").click()

    expect(key).to_be_visible()
    expect(page.get_by_text("10.2.3.4")).to_be_visible()
    page.screenshot(path=str(tmp_path / "run-page-open.png"), full_page=True)
