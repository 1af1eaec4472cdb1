"""Random but valid intakes (typed answers) for benchmarks and property tests; never real patients."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from triage.domain.questionnaire.questions import Question, Questionnaire
from triage.domain.questionnaire.values import Answer

# Plausible ranges, so that random intakes resemble real ones rather than the validation limits.
_PLAUSIBLE = {
    "height_cm": (145.0, 200.0),
    "weight_kg": (40.0, 140.0),
    "sleep_hours": (4.0, 10.0),
    "bowel_movements_per_day": (0.0, 12.0),
}


def _number(question: Question, rng: random.Random) -> float:
    low, high = _PLAUSIBLE.get(question.id, (question.min or 0.0, min(question.max or 100.0, 100.0)))
    return round(rng.uniform(low, high), 1)


def _integer(question: Question, rng: random.Random) -> int:
    low = int(question.min or 0)
    high = int(min(question.max if question.max is not None else 120, 120))
    return rng.randint(low, max(low, high))


def random_answer(question: Question, rng: random.Random, on: dt.date) -> Answer | None:
    """One plausible typed answer to a question (None for free text, which rules never read)."""
    kind = question.type
    if kind == "single":
        return rng.choice(question.choice_values)
    if kind == "multi":
        count = rng.randint(1, min(4, len(question.choices)))
        return sorted(rng.sample(list(question.choice_values), count), key=question.choice_values.index)
    if kind in ("integer", "scale"):
        return _integer(question, rng)
    if kind == "number":
        return _number(question, rng)
    if kind == "date":
        return (on - dt.timedelta(days=rng.randint(18 * 365, 90 * 365))).isoformat()
    if kind == "consent":
        return True
    return None


def random_intake(questionnaire: Questionnaire, rng: random.Random, on: dt.date, answer_rate: float = 0.9) -> dict[str, Any]:
    """A whole intake: each question that would be shown is answered with probability `answer_rate`."""
    answers: dict[str, Any] = {}
    for question in questionnaire.questions:
        if not question.is_shown(answers) or rng.random() > answer_rate:
            continue
        value = random_answer(question, rng, on)
        if value is not None:
            answers[question.id] = value
    return answers
