"""The ticket form as a support engineer uses it in a real browser: a platform and an assignee
picked by typing part of their names, a bug filed from the ticket, and a knowledge-base article
inserted into a reply and sent."""

import re

import pytest
from playwright.sync_api import Page, expect

from support.models import Article, Bug, Ticket
from tests.factories import make_platform
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.browser


def pick(page: Page, field_name: str, typed: str, choice: str) -> None:
    """Open the look-up of the form's `field_name`, type `typed` and choose `choice` from what it offers."""
    page.locator(f'select[name="{field_name}"] + .select2 .select2-selection').click()
    page.locator(".select2-container--open .select2-search__field").fill(typed)
    page.locator(".select2-container--open .select2-results__option", has_text=choice).click()
    expect(page.locator(f'select[name="{field_name}"] + .select2 .select2-selection__rendered')).to_contain_text(choice)


def save(page: Page, form_id: str = "ticket_form", *, button: str = "_save") -> None:
    """Save, or with `button="_continue"` save and stay on the page."""
    page.locator(f'button[form="{form_id}"][name="{button}"]').click()


def test_an_engineer_picks_a_platform_and_an_assignee_by_typing(page, live_server, login, transactional_db, staff):
    harbour = make_platform(name="Harbour Goods")
    make_platform(name="Riverside Books")
    staff["lead"].first_name, staff["lead"].last_name = "Olivia", "Marsh"
    staff["lead"].save()
    ticket = new_ticket(subject="Refunds fail with 422", status=Ticket.Status.TRIAGED)
    login(page, live_server, "engineer")
    page.goto(f"{live_server.url}/support/ticket/{ticket.pk}/change/")

    pick(page, "platform", "harb", "Harbour Goods")
    pick(page, "assignee", "mars", "Olivia Marsh")  # offered by name
    save(page)

    expect(page.get_by_text("was changed successfully")).to_be_visible()
    ticket.refresh_from_db()
    assert (ticket.platform, ticket.assignee) == (harbour, staff["lead"])


def test_an_engineer_files_a_bug_from_a_ticket_and_the_ticket_waits_on_it(page, live_server, login,
                                                                          transactional_db):
    ticket = new_ticket(subject="Refunds fail with 422", description="POST /refunds answers 422 since Monday",
                        status=Ticket.Status.IN_PROGRESS)
    login(page, live_server, "engineer")
    page.goto(f"{live_server.url}/support/ticket/{ticket.pk}/change/")

    page.get_by_role("link", name="File a bug from this ticket").click()
    expect(page).to_have_url(re.compile(rf".*/support/bug/add/\?ticket={ticket.pk}$"))
    expect(page.locator("#bug-from-ticket")).to_contain_text(ticket.reference)
    expect(page.get_by_label("Title")).to_have_value("Refunds fail with 422")
    expect(page.get_by_label("Actual behaviour")).to_have_value("POST /refunds answers 422 since Monday")
    page.get_by_label("Expected behaviour").fill("The refund is accepted")
    page.get_by_label("Severity").select_option(Bug.Severity.S2)
    save(page, "bug_form")

    bug = Bug.objects.get()
    expect(page).to_have_url(f"{live_server.url}/support/ticket/{ticket.pk}/change/")
    expect(page.locator("#ticket-bug")).to_contain_text(f"Waiting on bug {bug}")
    expect(page.get_by_text(f"{ticket.reference} now waits on {bug}.")).to_be_visible()
    ticket.refresh_from_db()
    assert (ticket.bug, ticket.status) == (bug, Ticket.Status.WAITING_ON_BUG)


def test_an_engineer_inserts_an_article_into_a_reply_and_sends_it(page, live_server, login, transactional_db):
    article = Article.objects.create(
        title="How callbacks work", slug="how-callbacks-work", category=Article.Category.CALLBACKS,
        body="Every callback carries X-Ops-Signature.\n\nVerify it with your callback secret.")
    ticket = new_ticket(subject="How do I verify callbacks?", status=Ticket.Status.IN_PROGRESS)
    login(page, live_server, "engineer")
    page.goto(f"{live_server.url}/support/ticket/{ticket.pk}/change/")

    page.locator("#ticket-article-choice").select_option(label="How callbacks work")
    page.get_by_role("button", name="Insert into reply").click()
    expect(page.locator("#ticket-insert-article-status")).to_contain_text("“How callbacks work” is in the reply")
    body = page.locator('textarea[name="messages-0-body"]')
    expect(body).to_have_value(article.body)
    expect(page.locator('select[name="messages-0-visibility"]')).to_have_value("reply")
    body.press("Control+Home")
    body.type("Hi Maria,\n\n")
    save(page, button="_continue")

    expect(page.locator("#ticket-replies")).to_contain_text("Verify it with your callback secret.")
    message = ticket.messages.get()
    assert message.visibility == "reply"
    # A browser sends a text box's line breaks as CR LF.
    assert message.body.replace("\r\n", "\n") == f"Hi Maria,\n\n{article.body}"
    assert list(ticket.articles_used.all()) == [article]
    expect(page.locator(f'#ticket-articles li[data-article="{article.slug}"]')).to_be_visible()
