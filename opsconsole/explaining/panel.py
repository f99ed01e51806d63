"""What the explanation panel above an object's details shows to one person: each answer, its
evidence linked to the records it came from, and the fixing task if they may run it."""

from dataclasses import dataclass

from opsconsole.admin_urls import record_admin_url, task_page_url
from opsconsole.explaining.base import Evidence, Verdict
from opsconsole.explaining.selectors import object_explain
from opsconsole.tasking.registry import registry as tasks


@dataclass(frozen=True)
class ShownEvidence:
    label: str
    value: str
    url: str | None


@dataclass(frozen=True)
class ShownAnswer:
    question: str
    verdict: Verdict
    evidence: list[ShownEvidence]
    task_title: str | None
    task_url: str | None


def record_url(record, user) -> str | None:
    if record is None:
        return None
    meta = record._meta
    if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
        return None
    return record_admin_url(record)


def _shown(evidence: Evidence, user) -> ShownEvidence:
    return ShownEvidence(evidence.label, str(evidence.value), record_url(evidence.record, user))


def explanation_panel(*, obj, user) -> list[ShownAnswer]:
    answers = []
    for answer in object_explain(obj=obj, user=user):
        suggested = answer.verdict.task
        task = tasks.get(suggested.slug) if suggested else None
        allowed = task is not None and user.has_perm(task.permission_name())
        answers.append(ShownAnswer(
            answer.question, answer.verdict, [_shown(item, user) for item in answer.verdict.evidence],
            task.title if allowed else None,
            task_page_url(slug=suggested.slug, target_id=suggested.target_id, **suggested.params) if allowed else None,
        ))
    return answers
