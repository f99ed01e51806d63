"""Appending to the audit trail. Every event is written through `record_event`, in the caller's
transaction, so an action and its record commit or roll back together."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from audit.archive import archived_chain_head
from audit.chain import GENESIS_HASH, chained_hash
from audit.models import AuditEvent
from opsconsole.advisory_locks import AUDIT_CHAIN, advisory_xact_lock


def _lock_chain() -> None:
    """Appends are serialised so each one sees the hash before it."""
    advisory_xact_lock(AUDIT_CHAIN)


def chain_head() -> tuple[int, str]:
    """The id and hash the next record follows: the newest record, or the end of the archived
    part of the chain, or the start."""
    last = AuditEvent.objects.order_by("-id").values_list("id", "record_hash").first()
    return last or archived_chain_head() or (0, GENESIS_HASH)


def client_address(request) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    return request.META.get("REMOTE_ADDR") or None, request.META.get("HTTP_USER_AGENT", "")[:255]


def record_event(action: str, *, outcome: str = AuditEvent.Outcome.SUCCESS, actor=None, actor_name: str = "",
                 request=None, source: str = "", ip_address: str | None = None, user_agent: str = "",
                 target=None, object_type=None, object_id="", object_repr: str = "", task_run=None,
                 task_slug: str = "", high_risk: bool = False, summary: str = "", details: dict | None = None,
                 ) -> AuditEvent:
    """Append one event. `target` (a model instance) fills the object fields; `request` fills
    the address and browser when they are not given."""
    request_ip, request_agent = client_address(request)
    if target is not None:
        object_type = ContentType.objects.get_for_model(target)
        object_id, object_repr = target.pk, object_repr or str(target)
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = actor_name or actor.get_username()
    else:
        actor = None
    event = AuditEvent(
        action=action, outcome=outcome, actor=actor, actor_name=actor_name[:150],
        source=source or (AuditEvent.Source.WEB if request is not None else AuditEvent.Source.SYSTEM),
        ip_address=ip_address or request_ip, user_agent=(user_agent or request_agent)[:255],
        object_type=object_type, object_id=str(object_id or "")[:64], object_repr=object_repr[:255],
        task_run=task_run, task_slug=task_slug, high_risk=high_risk, summary=summary[:500], details=details or {},
    )
    with transaction.atomic():
        _lock_chain()
        last_id, previous_hash = chain_head()
        event.id, event.occurred_at, event.previous_hash = last_id + 1, timezone.now(), previous_hash
        event.record_hash = chained_hash(previous_hash, vars(event))
        event.save()
    return event
