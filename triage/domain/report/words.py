"""Small wording helpers shared by the history paragraph and the report model: lists, durations, days ago, choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from triage.domain.questionnaire.questions import Answer, Questionnaire


def choices(answers: Mapping[str, Answer], key: str) -> list[str]:
    """A multi-choice answer as a list of values ([] when absent or not a list)."""
    value = answers.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def is_number(value: object) -> bool:
    """Whether an answer is a number (booleans are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def duration(months: Answer | None) -> str:
    """A duration in months as clinicians say it: '8 months', '3 years', 'under a month'."""
    if not isinstance(months, (int, float)) or isinstance(months, bool):
        return ""
    months = int(months)
    if months < 1:
        return "under a month"
    if months < 24:
        return f"{months} month" + ("s" if months != 1 else "")
    if months % 12 == 0:
        return f"{months // 12} years"
    return f"about {round(months / 6) / 2:g} years"


def days_ago(days: Answer | None) -> str:
    """Days since a dose as a phrase: 'today', 'yesterday', '5 days ago', 'about 3 weeks ago'."""
    if not isinstance(days, int) or isinstance(days, bool):
        return ""
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"about {round(days / 7)} weeks ago"
    return f"about {round(days / 30)} months ago"


def choice_term(questionnaire: Questionnaire, qid: str, value: Answer | None) -> str:
    """A chosen value's label in lower case without its bracketed brand names ('' for other, not sure or unknown)."""
    question = questionnaire.by_id.get(qid)
    if question is None or not isinstance(value, str):
        return ""
    label = question.choice_label(value)
    return label.split(" (")[0].lower() if value not in ("other", "not_sure") else ""


def choice_label(questionnaire: Questionnaire, key: str, value: object) -> str:
    """The patient-facing label of a chosen value (or of each chosen value, joined), '' when unknown."""
    question = questionnaire.by_id.get(key)
    if question is None or value is None:
        return ""
    if isinstance(value, list):
        return join_words([question.choice_label(v) for v in value if isinstance(v, str)])
    return question.choice_label(str(value))
