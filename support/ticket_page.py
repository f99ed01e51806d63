"""A ticket's page: its linked records and the tasks that can be started on them, its task runs,
its conversation and its saved answers. Every list is limited, whatever the size of the ticket."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from opsconsole.admin_urls import admin_change_url, run_page_url, task_page_url
from opsconsole.models import TaskRun
from opsconsole.tasking.selectors import tasks_runnable_by
from support.models import SavedAnswer, Ticket, TicketMessage

TICKET_RUNS_SHOWN = 50
TICKET_LINKS_SHOWN = 50
TICKET_MESSAGES_SHOWN = 200


@dataclass(frozen=True)
class StartableTask:
    title: str
    slug: str
    url: str


@dataclass(frozen=True)
class LinkedRecord:
    """A record the ticket concerns, its admin page (None if the admin does not show it) and the
    tasks the person may start on it, each pre-filled with the ticket's reference."""

    label: str
    kind: str
    target_id: str
    url: str | None
    tasks: list[StartableTask] = field(default_factory=list)


def ticket_linked_records(*, ticket: Ticket, user) -> list[LinkedRecord]:
    records = []
    links = ticket.links.select_related("target_type").order_by("id")[:TICKET_LINKS_SHOWN]
    for link in links:
        model = link.target_type.model_class()
        if model is None:  # a model since removed from the code
            records.append(LinkedRecord(label=link.label, kind=link.target_type.model, target_id=link.target_id,
                                        url=None))
            continue
        meta = model._meta
        tasks = [
            StartableTask(title=task.title, slug=task.slug,
                          url=task_page_url(slug=task.slug, target_id=link.target_id,
                                            ticket_reference=ticket.reference))
            for task in tasks_runnable_by(user=user, model=model)
        ]
        url = None
        if user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            url = admin_change_url(app_label=meta.app_label, model_name=meta.model_name, pk=link.target_id)
        records.append(LinkedRecord(label=link.label, kind=str(meta.verbose_name), target_id=link.target_id,
                                    url=url, tasks=tasks))
    return records


@dataclass(frozen=True)
class TicketRun:
    run: TaskRun
    url: str


def ticket_task_runs(*, ticket: Ticket) -> list[TicketRun]:
    """The task runs that quote this ticket's reference, newest first."""
    runs = (TaskRun.objects.filter(ticket_reference=ticket.reference).select_related("requested_by")
            .only("id", "task_title", "target_repr", "status", "outcome", "requested_at", "requested_by__username")
            .order_by("-id")[:TICKET_RUNS_SHOWN])
    return [TicketRun(run=run, url=run_page_url(run)) for run in runs]


def ticket_has_succeeded_run(*, ticket: Ticket) -> bool:
    return TaskRun.objects.filter(ticket_reference=ticket.reference, status=TaskRun.Status.SUCCEEDED).exists()


@dataclass(frozen=True)
class Conversation:
    replies: list[TicketMessage]
    internal_notes: list[TicketMessage]


def ticket_conversation(*, ticket: Ticket) -> Conversation:
    """Replies to the requester and internal notes, apart, each oldest first."""
    messages = list(ticket.messages.select_related("author", "imported_by")
                    .order_by("created_at", "id")[:TICKET_MESSAGES_SHOWN])
    return Conversation(
        replies=[message for message in messages if message.visibility == TicketMessage.Visibility.REPLY],
        internal_notes=[message for message in messages if message.visibility == TicketMessage.Visibility.INTERNAL],
    )


def saved_answers_for(*, ticket: Ticket) -> QuerySet[SavedAnswer]:
    """The saved answers offered on a ticket: those for its kind and those for every kind."""
    return SavedAnswer.objects.filter(Q(kind=ticket.kind) | Q(kind=""))


class _KeepUnknown(dict):
    """A placeholder the ticket cannot fill stays as written, for the person to fill in."""

    def __missing__(self, key):
        return "{" + key + "}"


def saved_answer_render(*, answer: SavedAnswer, ticket: Ticket) -> str:
    """The answer's body with {requester_name}, {reference} and {platform} filled from the ticket
    (platform: its name, or "your platform" when the ticket has none). Other braces are kept."""
    values = _KeepUnknown(
        requester_name=ticket.requester_name,
        reference=ticket.reference,
        platform=ticket.platform.name if ticket.platform_id else "your platform",
    )
    try:
        return answer.body.format_map(values)
    except (ValueError, IndexError, AttributeError, KeyError):
        # A stray brace or a "{0}" in the text: fill what can be filled by plain replacement.
        body = answer.body
        for name in ("requester_name", "reference", "platform"):
            body = body.replace("{" + name + "}", values[name])
        return body


@dataclass(frozen=True)
class RenderedAnswer:
    answer: SavedAnswer
    text: str


def ticket_saved_answers(*, ticket: Ticket) -> list[RenderedAnswer]:
    return [RenderedAnswer(answer=answer, text=saved_answer_render(answer=answer, ticket=ticket))
            for answer in saved_answers_for(ticket=ticket)[:50]]
