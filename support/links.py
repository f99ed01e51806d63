"""Which payments records a ticket may be linked to, found the way ops staff find anything: by
email, id, reference, card last four or batch reference (the console's search); the ticket form's
record choices, and whether a person may link a given record. Linking is
`support.services.links`."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from opsconsole.errors import OpsError
from opsconsole.platform_access import restrict_to_user_platforms
from search.finding import console_search, search_query_problem
from search.registry import registry as search_registry

LINK_PERMISSION = "support.add_ticketlink"
# The suggestions the ticket form's record look-up offers for one term.
RECORD_CHOICES_SHOWN = 20
NO_SUCH_RECORD = "There is no {kind} with id {id}."
CHOOSE_A_RECORD = ("Choose the record from the suggestions: type its email, id, reference, card last four or batch "
                   "reference.")


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


@dataclass(frozen=True)
class RecordChoice:
    """A record the ticket form's look-up offers: `value` names it in the form, `text` reads as
    the search box's line for it."""

    value: str
    text: str


def record_choice_value(record) -> str:
    """How a form names a record across kinds: its content type's id and its key, `"12:345"`."""
    return f"{ContentType.objects.get_for_model(record).pk}:{record.pk}"


def record_choices(*, query: str, user) -> list[RecordChoice]:
    """The records `query` finds that `user` may see and link, as the console's search finds them
    (at most RECORD_CHOICES_SHOWN); none for a query the search refuses, or for someone who may
    not link records."""
    query = query.strip()
    if not user.has_perm(LINK_PERMISSION) or not query or search_query_problem(query):
        return []
    return [RecordChoice(value=record_choice_value(match.object), text=f"{match.kind.title}: {match.label}")
            for match in console_search(query=query, user=user, limit=RECORD_CHOICES_SHOWN)]


def record_choice_target(*, value: str, user) -> tuple[ContentType, str]:
    """The content type and key a record choice names, when `user` may link it: a kind the
    console's search finds, which they may view, on a platform they may see. Anything else is
    refused as a record that does not exist, so that nobody learns what exists elsewhere."""
    type_id, _, target_id = (value or "").partition(":")
    if not (type_id.isdigit() and target_id):
        raise OpsError(CHOOSE_A_RECORD, field="record")
    try:
        target_type = ContentType.objects.get_for_id(int(type_id))
    except ContentType.DoesNotExist:
        raise OpsError(CHOOSE_A_RECORD, field="record") from None
    model = target_type.model_class()
    linkable = {kind.model: kind.permission for kind in search_registry.all()}
    if model not in linkable or not user.has_perm(linkable[model]):
        raise OpsError(NO_SUCH_RECORD.format(kind=target_type.name, id=target_id), field="record")
    if problem := ticket_link_target_problem(target_type=target_type, target_id=target_id, user=user):
        raise OpsError(problem, field="record")
    return target_type, target_id


def record_label(*, target_type: ContentType, target_id: str) -> str:
    """What a link to the record is called when nobody names it: the record as the console
    writes it."""
    return str(target_type.get_object_for_this_type(pk=target_id))[:200]
