"""Recording, from a ticket's page, the knowledge-base article that answered it. The page's
articles section (support/ticket_workspace.html) posts here; the work is `support.knowledge`'s."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from opsconsole.errors import OpsError
from support.knowledge import RECORD_ARTICLE_PERMISSION, ticket_record_article
from support.models import Article
from support.selectors import tickets_visible_to

CHOOSE_AN_ARTICLE = "Choose the article that answered the ticket."


@require_POST
def ticket_record_article_view(request, ticket_id: int):
    """POST `article` (an article's id): record it on the ticket, then back to the ticket's page."""
    if not request.user.has_perm(RECORD_ARTICLE_PERMISSION):
        raise PermissionDenied
    ticket = get_object_or_404(tickets_visible_to(user=request.user), pk=ticket_id)
    back = redirect(reverse("admin:support_ticket_change", args=[ticket.pk]))
    article_id = request.POST.get("article", "")
    article = Article.objects.filter(pk=article_id).first() if article_id.isdigit() else None
    if article is None:
        messages.error(request, CHOOSE_AN_ARTICLE)
        return back
    try:
        recorded = ticket_record_article(ticket=ticket, article=article, by=request.user)
    except OpsError as refusal:
        messages.error(request, refusal.message)
    else:
        verb = "recorded as answering" if recorded else "was already recorded on"
        messages.success(request, f"“{article.title}” {verb} {ticket.reference}.")
    return back
