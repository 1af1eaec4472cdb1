"""Reading numbers, and a metric measure given in imperial boxes instead (feet and inches, stones and pounds)."""

from __future__ import annotations

import math

from triage.domain.questionnaire.model import Question
from triage.domain.questionnaire.parsed import Parsed, lower_first
from triage.domain.questionnaire.values import IMPERIAL_WORDS

# Metric value of one major and one minor unit, and how many minor units make a major one.
CONVERSIONS = {"feet_inches": (30.48, 2.54, 12), "stones_pounds": (6.35029318, 0.45359237, 14)}


def fmt(value: float | None) -> str:
    """A bound or value as written for the patient: 70 rather than 70.0."""
    return str(int(value)) if value is not None and float(value).is_integer() else str(value)


def to_metric(imperial: str, major: float, minor: float) -> float:
    """The metric equivalent of an imperial pair, rounded to 0.1."""
    per_major, per_minor, _ = CONVERSIONS[imperial]
    return round(major * per_major + minor * per_minor, 1)


def imperial_text(imperial: str, metric: float, rounding: str) -> str:
    """A metric value in imperial words ("5 ft 9 in"), rounded up or down to a whole minor unit."""
    _, per_minor, minors = CONVERSIONS[imperial]
    whole = math.ceil(metric / per_minor - 1e-9) if rounding == "up" else math.floor(metric / per_minor + 1e-9)
    major, minor = divmod(max(whole, 0), minors)
    words = IMPERIAL_WORDS[imperial]
    return f"{major} {words[2]} {minor} {words[3]}"


def number_message(question: Question, integer: bool) -> str:
    """What to enter, naming the range and the unit (and the imperial range when the question offers one)."""
    kind = "a whole number" if integer else "a number"
    low, high = question.min, question.max
    bounds = f" from {fmt(low)} to {fmt(high)}" if low is not None and high is not None else ""
    unit = f" ({question.unit})" if question.unit else ""
    if not question.imperial:
        return f"Please enter {kind}{bounds}{unit}."
    words = IMPERIAL_WORDS[question.imperial]
    if low is not None and high is not None:
        imperial = f"from {imperial_text(question.imperial, low, 'up')} to {imperial_text(question.imperial, high, 'down')}"
    else:
        imperial = f"in {words[0]} and {words[1]}"
    return f"Please enter {kind}{bounds}{unit}, or {imperial}."


def _read(text: str, integer: bool) -> float | None:
    try:
        value: float = int(text) if integer else float(text.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _within(question: Question, value: float) -> bool:
    return not ((question.min is not None and value < question.min) or (question.max is not None and value > question.max))


def parse_number(question: Question, text: str, integer: bool) -> Parsed:
    """One non-blank cleaned string as a number within the question's range."""
    value = _read(text, integer)
    if value is None or not _within(question, value):
        return Parsed(None, number_message(question, integer))
    return Parsed(value)


def parse_measure(question: Question, parts: list[str]) -> Parsed:
    """Three cleaned boxes [metric, major, minor] of a number question with imperial units; stored metric."""
    metric, major, minor = parts
    if not (metric or major or minor):
        return Parsed(None)
    words = IMPERIAL_WORDS[question.imperial]
    if metric and (major or minor):
        what = question.name[5:] if question.name.lower().startswith("your ") else question.name
        return Parsed(
            None, f"Please give your {lower_first(what)} in one way only: {question.unit}, or {words[0]} and {words[1]}."
        )
    if metric:
        return parse_number(question, metric, integer=False)
    pair = [_read(text, integer=False) if text else 0.0 for text in (major, minor)]
    if pair[0] is None or pair[1] is None or pair[0] < 0 or pair[1] < 0:
        return Parsed(None, number_message(question, integer=False))
    value = to_metric(question.imperial, pair[0], pair[1])
    if not math.isfinite(value) or not _within(question, value):
        return Parsed(None, number_message(question, integer=False))
    return Parsed(value)
