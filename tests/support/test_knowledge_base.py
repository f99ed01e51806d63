"""The knowledge base: articles by category, internal or shareable, searchable by their text in
the admin; the article that answered a ticket is recorded on it; and the demo's real answers."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from opsconsole.errors import OpsError
from support.knowledge import ARTICLE_NOT_PUBLISHED, NOT_ALLOWED_TO_RECORD, ticket_articles_used, ticket_record_article
from support.knowledge_views import CHOOSE_AN_ARTICLE
from support.models import Article, Bug, Ticket
from tests.support.test_tickets import new_ticket

pytestmark = pytest.mark.django_db


def new_article(title="Callbacks", *, body="We sign every callback.", category=Article.Category.CALLBACKS,
                visibility=Article.Visibility.INTERNAL, **fields) -> Article:
    return Article.objects.create(title=title, slug=title.lower().replace(" ", "-"), body=body, category=category,
                                  visibility=visibility, **fields)


def changelist(client, **query) -> str:
    return client.get(reverse("admin:support_article_changelist"), query).content.decode()


def test_articles_are_found_in_the_admin_by_their_body_text(client_as):
    new_article("How callbacks work", body="Verify the X-Ops-Signature header with HMAC-SHA256.")
    new_article("Test cards", body="4000 0000 0000 9995 declines with 51.", category=Article.Category.TESTING)
    page = changelist(client_as("engineer"), q="HMAC-SHA256")
    assert "How callbacks work" in page and "Test cards" not in page


def test_articles_filter_by_category_and_visibility(client_as):
    new_article("How callbacks work", visibility=Article.Visibility.SHAREABLE)
    new_article("Callback secrets rotation", visibility=Article.Visibility.INTERNAL)
    new_article("Test cards", category=Article.Category.TESTING, visibility=Article.Visibility.SHAREABLE)
    client = client_as("auditor")
    by_category = changelist(client, category__exact="callbacks")
    assert "How callbacks work" in by_category and "Callback secrets rotation" in by_category
    assert "Test cards" not in by_category
    shareable = changelist(client, visibility__exact="shareable")
    assert "How callbacks work" in shareable and "Test cards" in shareable
    assert "Callback secrets rotation" not in shareable


def test_recording_an_article_on_a_ticket(staff):
    ticket, article = new_ticket(), new_article()
    assert ticket_record_article(ticket=ticket, article=article, by=staff["engineer"]) is True
    assert ticket_record_article(ticket=ticket, article=article, by=staff["engineer"]) is False
    assert ticket_articles_used(ticket=ticket) == [article]
    assert list(article.used_on_tickets.all()) == [ticket]

    with pytest.raises(OpsError, match=NOT_ALLOWED_TO_RECORD):
        ticket_record_article(ticket=new_ticket(), article=article, by=staff["auditor"])
    draft = new_article("Draft", is_published=False)
    with pytest.raises(OpsError) as refusal:
        ticket_record_article(ticket=ticket, article=draft, by=staff["engineer"])
    assert refusal.value.message == ARTICLE_NOT_PUBLISHED.format(article=draft)
    assert ticket_articles_used(ticket=ticket) == [article]


def test_the_ticket_page_lists_the_articles_used_and_records_one(client_as):
    ticket, article = new_ticket(), new_article("How callbacks work")
    page_url = reverse("admin:support_ticket_change", args=[ticket.pk])
    record_url = reverse("support-ticket-record-article", args=[ticket.pk])
    client = client_as("engineer")
    page = client.get(page_url).content.decode()
    assert 'id="ticket-record-article"' in page and f'<option value="{article.pk}">' in page

    response = client.post(record_url, {"article": article.pk})
    assert response.status_code == 302 and response["Location"] == page_url
    assert list(ticket.articles_used.all()) == [article]
    page = client.get(page_url).content.decode()
    assert f'data-article="{article.slug}"' in page

    response = client.post(record_url, {"article": "nope"}, follow=True)
    assert CHOOSE_AN_ARTICLE in response.content.decode()


def test_the_auditor_sees_the_articles_used_but_may_not_record_one(client_as, staff):
    ticket, article = new_ticket(), new_article("How callbacks work")
    ticket_record_article(ticket=ticket, article=article, by=staff["engineer"])
    client = client_as("auditor")
    page = client.get(reverse("admin:support_ticket_change", args=[ticket.pk])).content.decode()
    assert f'data-article="{article.slug}"' in page and 'id="ticket-record-article"' not in page
    other = new_article("Test cards")
    assert client.post(reverse("support-ticket-record-article", args=[ticket.pk]),
                       {"article": other.pk}).status_code == 403
    assert client_as("nobody").post(reverse("support-ticket-record-article", args=[ticket.pk]),
                                    {"article": other.pk}).status_code == 403
    assert list(ticket.articles_used.all()) == [article]


def test_saving_the_ticket_form_keeps_the_articles_used(client_as, staff):
    ticket, article = new_ticket(), new_article()
    ticket_record_article(ticket=ticket, article=article, by=staff["engineer"])
    form = {field: getattr(ticket, field) for field in ("kind", "priority", "status", "subject", "description",
                                                         "requester_name", "requester_email")}
    form.update({"resolution": "", "decline_reason": "", "links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0",
                 "messages-TOTAL_FORMS": "0", "messages-INITIAL_FORMS": "0", "subject": "Card declined again"})
    response = client_as("engineer").post(reverse("admin:support_ticket_change", args=[ticket.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(ticket.articles_used.all()) == [article]


def test_the_demo_seeds_real_answers_and_records_one_on_the_device_id_ticket():
    call_command("seed_demo", "--scale", "0", "--today", "2026-11-27", "--force", stdout=StringIO())
    callbacks = Article.objects.get(category=Article.Category.CALLBACKS)
    assert callbacks.visibility == Article.Visibility.SHAREABLE
    for fact in ("item.payment_deposited", "X-Ops-Signature", "HMAC-SHA256", "compare_digest", "back-off",
                 "24 hours", "abandoned"):
        assert fact in callbacks.body, fact

    device_id = Article.objects.get(category=Article.Category.SDKS)
    assert device_id.visibility == Article.Visibility.SHAREABLE
    assert "iOS" in device_id.body and "Android" in device_id.body
    assert "setDeviceId" in device_id.body and "identifierForVendor" in device_id.body

    cards = Article.objects.get(category=Article.Category.TESTING)
    assert cards.visibility == Article.Visibility.SHAREABLE
    for fact in ("Approved: 4111 1111 1111 1111", "(code 51): 4000 0000 0000 9995", "(code 05): 4000 0000 0000 0002",
                 "(code 54): 4000 0000 0000 0069", "(code N7): 4000 0000 0000 0127", "generic decline",
                 "3-D Secure challenge: 4000 0000 0000 3220"):
        assert fact in cards.body, fact

    assert Article.objects.filter(visibility=Article.Visibility.INTERNAL).exists()
    android = Ticket.objects.get(subject="How do we send a device id from Android?")
    assert list(android.articles_used.all()) == [device_id]
    assert callbacks in Bug.objects.get().articles.all()
