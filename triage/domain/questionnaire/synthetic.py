"""Random but valid intakes (typed answers) for benchmarks and property tests; never real patients."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import Any

from triage.domain.questionnaire.questions import Question, Questionnaire
from triage.domain.questionnaire.values import Answer

# Plausible ranges, so that random intakes resemble real ones rather than the validation limits.
_PLAUSIBLE = {
    "height_cm": (145.0, 200.0),
    "weight_kg": (40.0, 140.0),
    "sleep_hours": (4.0, 10.0),
    "bowel_movements_per_day": (0.0, 12.0),
    "weight_lost_kg": (1.0, 15.0),
}


def _number(question: Question, rng: random.Random) -> float:
    low, high = _PLAUSIBLE.get(question.id, (question.min or 0.0, min(question.max or 100.0, 100.0)))
    return round(rng.uniform(low, high), 1)


def _integer(question: Question, rng: random.Random) -> int:
    low = int(question.min or 0)
    high = int(min(question.max if question.max is not None else 120, 120))
    return rng.randint(low, max(low, high))


def _multi(question: Question, rng: random.Random) -> list[str]:
    exclusive = question.exclusive_values
    ordinary = [v for v in question.choice_values if v not in exclusive]
    if exclusive and (not ordinary or rng.random() < 0.2):
        return [rng.choice(exclusive)]  # "None of these" is never ticked together with another choice
    count = rng.randint(1, min(4, len(ordinary)))
    return sorted(rng.sample(ordinary, count), key=question.choice_values.index)


def _single(question: Question, rng: random.Random, answers: Mapping[str, Any]) -> str | None:
    if not question.choices_from:
        return rng.choice(question.choice_values)
    ticked = answers.get(question.choices_from)
    return rng.choice(ticked) if isinstance(ticked, list) and ticked else None


def _birth_date(question: Question, rng: random.Random, on: dt.date) -> str:
    """Aged 18 to 90 (within the question's ages; 366-day years keep the youngest safely above its lowest age)."""
    youngest = max(18, question.min_age or 0)
    oldest = max(youngest + 1, min(90, question.max_age if question.max_age is not None else 90))
    low = youngest * 365 if question.min_age is None else youngest * 366
    return (on - dt.timedelta(days=rng.randint(low, oldest * 365))).isoformat()


def random_answer(question: Question, rng: random.Random, on: dt.date, answers: Mapping[str, Any] | None = None) -> Answer | None:
    """One plausible typed answer to a question (None for free text and tables, which rules never read).

    `answers` are those given so far, for a question whose choices are the ones ticked in an earlier one.
    """
    kind = question.type
    if kind == "single":
        return _single(question, rng, answers or {})
    if kind == "multi":
        return _multi(question, rng)
    if kind in ("integer", "scale"):
        return _integer(question, rng)
    if kind == "number":
        return _number(question, rng)
    if kind == "date":
        return _birth_date(question, rng, on)
    if kind == "consent":
        return True
    return None


def random_intake(questionnaire: Questionnaire, rng: random.Random, on: dt.date, answer_rate: float = 0.9) -> dict[str, Any]:
    """A whole intake: each question that would be shown is answered with probability `answer_rate`."""
    answers: dict[str, Any] = {}
    for question in questionnaire.questions:
        if not question.is_shown(answers) or rng.random() > answer_rate:
            continue
        value = random_answer(question, rng, on, answers)
        if value is not None:
            answers[question.id] = value
    return answers
