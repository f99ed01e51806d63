"""Linking a ticket to the payments record it concerns, found the way ops staff find anything:
by email, id, reference, card last four or batch reference (the console's search)."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from opsconsole.errors import OpsError
from opsconsole.platform_access import restrict_to_user_platforms
from opsconsole.search import console_search, search_query_problem
from support.models import Ticket, TicketLink

LINK_PERMISSION = "support.add_ticketlink"
NOT_ALLOWED_TO_LINK = "You do not have permission to link records to tickets."
NOTHING_MATCHES = "Nothing matches “{query}”: use an email, id, reference, card last four or batch reference."
NO_SUCH_RECORD = "There is no {kind} with id {id}."
SEVERAL_MATCH = "{count} records match “{query}”: {labels}. Use the exact reference or id."


def ticket_link_record(*, ticket: Ticket, query: str, by) -> TicketLink:
    """Link the one record `query` finds; refused when it finds none or several. Linking the same
    record again returns the existing link."""
    if not by.has_perm(LINK_PERMISSION):
        raise OpsError(NOT_ALLOWED_TO_LINK)
    query = query.strip()
    if problem := search_query_problem(query):
        raise OpsError(problem, field="query")
    matches = console_search(query=query, user=by, limit=6)
    if not matches:
        raise OpsError(NOTHING_MATCHES.format(query=query), field="query")
    if len(matches) > 1:
        labels = "; ".join(match.label for match in matches[:5])
        raise OpsError(SEVERAL_MATCH.format(count=len(matches), query=query, labels=labels), field="query")
    record = matches[0].object
    link, _ = TicketLink.objects.get_or_create(
        ticket=ticket, target_type=ContentType.objects.get_for_model(record), target_id=str(record.pk),
        defaults={"label": matches[0].label[:200]},
    )
    return link


def ticket_link_target_problem(*, target_type: ContentType, target_id: str, user) -> str | None:
    """Why `user` may not link a ticket to this record: it does not exist, or it is on a platform
    they may not see (said alike, so that nobody learns what exists there); None when they may."""
    model = target_type.model_class()
    problem = NO_SUCH_RECORD.format(kind=target_type.name, id=target_id)
    if model is None:
        return problem
    try:
        visible = restrict_to_user_platforms(model._default_manager.filter(pk=target_id), user).exists()
    except (ValueError, TypeError, ValidationError):
        return problem
    return None if visible else problem
