"""The knowledge base: which articles answered a ticket, recording one, the articles offered
for recording, and an article as its readers read it."""

import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

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


def ticket_record_articles_replied_with(*, ticket: Ticket, articles: list[Article], by) -> list[Article]:
    """Record the articles a reply just sent was written from; the ones not recorded before.
    Refused as `ticket_record_article` refuses one."""
    return [article for article in articles if ticket_record_article(ticket=ticket, article=article, by=by)]


# `code` in an article's text: its writers quote headers, calls and values that way.
INLINE_CODE = re.compile(r"`([^`\n]+)`")


def article_html(body: str) -> SafeString:
    """An article's text as a page shows it: paragraphs at blank lines, line breaks kept, `code`
    in backticks set as code. Everything else is escaped: the text is never taken as HTML."""
    def paragraph(text: str) -> str:
        with_code = INLINE_CODE.sub(lambda quoted: f"<code>{quoted.group(1)}</code>", str(escape(text)))
        return mark_safe(with_code.replace("\n", "<br>"))

    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", body.replace("\r\n", "\n")) if part.strip()]
    return format_html_join("\n", "<p>{}</p>", ((paragraph(part),) for part in paragraphs))


def article_tags(*, article: Article) -> list[str]:
    """The article's tags, as written between its commas."""
    return [tag.strip() for tag in article.tags.split(",") if tag.strip()]


@dataclass(frozen=True)
class ArticleAuthorship:
    """Who wrote an article and who last changed it, from its history (None: not on record, as for
    articles seeded or imported)."""

    written_by: object | None
    last_changed_by: object | None


def article_authorship(*, article: Article) -> ArticleAuthorship:
    """From the article's first and latest history records (two indexed reads)."""
    history = article.history.select_related("history_user")
    first, latest = history.order_by("history_date", "history_id").first(), history.order_by(
        "-history_date", "-history_id").first()
    return ArticleAuthorship(written_by=first.history_user if first else None,
                             last_changed_by=latest.history_user if latest else None)
