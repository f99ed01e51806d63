import datetime
from zoneinfo import ZoneInfo

from opsconsole.explaining.selectors import object_explain

# Friday 27 November 2026, 10:00 in Sydney: a BECS business day, before the 16:00 cut-off.
FRIDAY_MORNING = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Australia/Sydney"))


def verdict_of(obj, question_part: str = ""):
    """The verdict of the (only, or named) explanation of `obj`."""
    answers = [answer for answer in object_explain(obj=obj) if question_part in answer.question]
    assert len(answers) == 1, [answer.question for answer in answers]
    return answers[0].verdict


def evidence_text(verdict) -> str:
    return " | ".join(f"{item.label}: {item.value}" for item in verdict.evidence)
