"""The knowledge base: which articles answered a ticket, recording one, and the articles offered
for recording (issue 5, "Knowledge base")."""

from django.db.models import QuerySet

from opsconsole.errors import OpsError
from support.models import Article, Ticket

RECORD_ARTICLE_PERMISSION = "support.change_ticket"
# The choice offered on a ticket's page: published articles, at most this many.
ARTICLES_OFFERED_LIMIT = 200
TICKET_ARTICLES_SHOWN = 50

NOT_ALLOWED_TO_RECORD = "Only someone who works tickets can record the article that answered one."
ARTICLE_NOT_PUBLISHED = "“{article}” is not published: publish it before answering with it."


def ticket_record_article(*, ticket: Ticket, article: Article, by) -> bool:
    """Record that `article` answered `ticket`. False when it was already recorded (nothing changes)."""
    if not by.has_perm(RECORD_ARTICLE_PERMISSION):
        raise OpsError(NOT_ALLOWED_TO_RECORD)
    if not article.is_published:
        raise OpsError(ARTICLE_NOT_PUBLISHED.format(article=article))
    if ticket.articles_used.filter(pk=article.pk).exists():
        return False
    ticket.articles_used.add(article)
    return True


def ticket_articles_used(*, ticket: Ticket) -> list[Article]:
    """The articles recorded as answering the ticket, by title."""
    return list(ticket.articles_used.order_by("title")[:TICKET_ARTICLES_SHOWN])


def articles_offered(*, limit: int = ARTICLES_OFFERED_LIMIT) -> QuerySet:
    """Published articles, by category then title: the choice for recording one on a ticket."""
    return Article.objects.filter(is_published=True).order_by("category", "title")[:limit]
