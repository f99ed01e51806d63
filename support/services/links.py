"""Linking a ticket to the one payments record a query finds in the console's search (by email,
id, reference, card last four or batch reference). A query that finds none or several links
nothing; the same record linked again is the link already there."""

from django.contrib.contenttypes.models import ContentType

from opsconsole.errors import OpsError
from search.finding import console_search, search_query_problem
from support.links import LINK_PERMISSION
from support.models import Ticket, TicketLink

NOT_ALLOWED_TO_LINK = "You do not have permission to link records to tickets."
NOTHING_MATCHES = "Nothing matches “{query}”: use an email, id, reference, card last four or batch reference."
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
