"""Knowledge-base articles as their readers use them: people who may read articles but not edit
them get the article to read (no form), editors keep the form; an article's text can be inserted
into a ticket's reply, and is recorded as used on the ticket when that reply is sent."""

import pytest
from django.urls import reverse

from opsconsole.roles import ROLES
from support.knowledge import article_html
from support.models import Article, TicketMessage
from support.ticket_form import ARTICLES_NOT_OFFERED
from tests.support.test_knowledge_base import new_article
from tests.support.test_tickets import new_ticket, ticket_form

pytestmark = pytest.mark.django_db

READERS = [role.demo_username for role in ROLES
           if "support.view_article" in role.permissions and "support.change_article" not in role.permissions]
EDITORS = [role.demo_username for role in ROLES if "support.change_article" in role.permissions]
BODY = "Verify `X-Ops-Signature` with HMAC-SHA256.\nReject old ones.\n\nRetries <b>back off</b>."


def test_readers_and_editors_are_the_roles_we_think():
    assert sorted(READERS) == ["auditor", "developer", "ops"] and sorted(EDITORS) == ["engineer", "lead"]


@pytest.fixture
def article(staff):
    article = Article(title="How callbacks work", slug="how-callbacks-work", body=BODY, tags="callbacks, hmac",
                      category=Article.Category.CALLBACKS, visibility=Article.Visibility.SHAREABLE)
    article._history_user = staff["engineer"]
    article.save()
    article.tags = "callbacks, hmac, retries"
    article._history_user = staff["lead"]
    article.save()
    return article


def article_page(client, article):
    return client.get(reverse("admin:support_article_change", args=[article.pk]))


@pytest.mark.parametrize("person", READERS)
def test_a_reader_reads_the_article_with_no_form(person, client_as, article):
    response = article_page(client_as(person), article)
    assert response.status_code == 200
    assert [template.name for template in response.templates][0] == "support/article_read.html"
    page = response.content.decode()
    assert '<h1 id="article-title"' in page and "How callbacks work" in page
    assert "<p>Verify <code>X-Ops-Signature</code> with HMAC-SHA256.<br>Reject old ones.</p>" in page
    assert "Retries &lt;b&gt;back off&lt;/b&gt;." in page
    for tag in ("callbacks", "hmac", "retries"):
        assert f">{tag}</span>" in page
    assert "Written by engineer" in page and " by lead" in page and "last updated" in page
    assert 'id="article_form"' not in page and 'name="title"' not in page and "<textarea" not in page


@pytest.mark.parametrize("person", EDITORS)
def test_an_editor_still_gets_the_form(person, client_as, article):
    page = article_page(client_as(person), article).content.decode()
    assert 'id="article_form"' in page and 'name="title"' in page and 'id="article-read"' not in page


def test_someone_who_may_not_read_articles_is_refused(client_as, article):
    assert article_page(client_as("nobody"), article).status_code == 403


def test_an_articles_text_is_served_for_inserting_to_whoever_may_read_it(client_as, article):
    url = reverse("admin:support_article_text", args=[article.pk])
    assert client_as("ops").get(url).json() == {"id": article.pk, "title": "How callbacks work", "body": BODY}
    assert client_as("nobody").get(url).status_code == 403
    draft = new_article("Draft", is_published=False)
    assert client_as("engineer").get(reverse("admin:support_article_text", args=[draft.pk])).status_code == 404


def test_the_article_text_is_escaped_never_taken_as_html():
    assert article_html("<script>x</script> `<i>`\n\n\n  second ") == (
        "<p>&lt;script&gt;x&lt;/script&gt; <code>&lt;i&gt;</code></p>\n<p>second</p>")


def test_the_ticket_page_offers_insert_into_reply_to_people_who_write_replies(client_as, article):
    ticket = new_ticket()
    page = client_as("ops").get(reverse("admin:support_ticket_change", args=[ticket.pk])).content.decode()
    assert 'id="ticket-insert-article"' in page and "/static/support/insert_article.js" in page
    page = client_as("auditor").get(reverse("admin:support_ticket_change", args=[ticket.pk])).content.decode()
    assert 'id="ticket-insert-article"' not in page


def reply(ticket, body: str, *, visibility="reply", **fields) -> dict:
    return ticket_form(ticket, **{"messages-TOTAL_FORMS": "1", "messages-0-visibility": visibility,
                                  "messages-0-body": body, **fields})


def test_an_article_inserted_into_a_reply_is_recorded_when_the_reply_is_sent(client_as, article, staff):
    ticket = new_ticket()
    response = client_as("ops").post(reverse("admin:support_ticket_change", args=[ticket.pk]),
                                     reply(ticket, f"Hi Maria,\n\n{BODY}", articles_in_reply=str(article.pk)))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(ticket.articles_used.all()) == [article]
    assert ticket.messages.get().body == f"Hi Maria,\n\n{BODY}"


def test_an_article_in_an_internal_note_or_in_no_message_is_not_recorded(client_as, article):
    ticket = new_ticket()
    url = reverse("admin:support_ticket_change", args=[ticket.pk])
    client = client_as("engineer")
    response = client.post(url, reply(ticket, BODY, visibility="internal", articles_in_reply=str(article.pk)))
    assert response.status_code == 302
    assert client.post(url, ticket_form(ticket, articles_in_reply=str(article.pk))).status_code == 302
    assert not ticket.articles_used.exists()
    assert list(ticket.messages.values_list("visibility", flat=True)) == [TicketMessage.Visibility.INTERNAL]


@pytest.mark.parametrize("inserted", ["999999", "1;drop", "draft"])
def test_an_article_that_is_not_offered_is_refused_and_the_reply_not_sent(inserted, client_as, article):
    if inserted == "draft":
        inserted = str(new_article("Draft", is_published=False).pk)
    ticket = new_ticket()
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]),
                                          reply(ticket, BODY, articles_in_reply=f"{article.pk},{inserted}"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["articles_in_reply"] == [ARTICLES_NOT_OFFERED]
    assert not ticket.messages.exists() and not ticket.articles_used.exists()


def test_an_article_not_offered_is_said_above_the_ticket_form(client_as, article):
    ticket = new_ticket()
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]),
                                          reply(ticket, BODY, articles_in_reply="999999"))
    assert response.context["adminform"].form.non_field_errors() == [ARTICLES_NOT_OFFERED]
    assert ARTICLES_NOT_OFFERED in response.content.decode()
