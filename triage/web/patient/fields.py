"""What the field macro needs for each question: a static part built once from the definition, and this page's state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from triage.domain.questionnaire.answers import CONSENT_TRUE
from triage.domain.questionnaire.questions import Question

AUTOCOMPLETE: dict[str, str] = {"full_name": "name", "date_of_birth": "bday"}
INPUT_MODES = {"integer": "numeric", "number": "decimal"}
# Dates are typed as the definition's hint says (year-month-day): a text box shows back exactly what was
# typed, even when it is not a date yet, and avoids long scrolls through a date picker to a birth year.


@dataclass(frozen=True)
class Condition:
    """A same-page follow-up's condition, as data attributes for static/js/followups.js."""

    question: str
    operator: str
    value: str


@dataclass(frozen=True)
class FieldSpec:
    """The parts of a question's markup that never change: widget, options, ids and input attributes."""

    q: Question
    fid: str
    widget: str  # "choices", "consent", "textarea" or "input"
    kind: str  # "radio" or "checkbox" for choices
    radiogroup: bool
    opts_class: str
    options: tuple[tuple[str, str], ...]
    first: str
    input_class: str
    inputmode: str
    unit_id: str
    hint_id: str
    autocomplete: str


@dataclass(frozen=True)
class FieldView:
    """One question on one page: its spec plus what it shows, its error and whether it starts hidden."""

    spec: FieldSpec
    values: Sequence[str]
    text: str
    checked: bool
    error: str | None
    desc: str
    hidden: bool
    cond: Condition | None


_SPECS: dict[tuple[str, str], FieldSpec] = {}


def options_of(question: Question) -> tuple[tuple[str, str], ...]:
    """(value, label) of every option of a choice or scale question."""
    if question.type == "scale":
        low, high = int(question.min or 0), int(question.max if question.max is not None else 10)
        return tuple((str(n), str(n)) for n in range(low, high + 1))
    return tuple((c.value, c.label) for c in question.choices)


def spec_of(question: Question) -> FieldSpec:
    """The static markup parts of a question, built once per question."""
    key = (question.step, question.id)
    spec = _SPECS.get(key)
    if spec is None:
        choices = question.type in ("single", "multi", "scale")
        widget = "choices" if choices else {"consent": "consent", "longtext": "textarea"}.get(question.type, "input")
        options = options_of(question) if choices else ()
        spec = FieldSpec(
            q=question,
            fid=f"f-{question.id}",
            widget=widget,
            kind="checkbox" if question.type == "multi" else "radio",
            radiogroup=question.type in ("single", "scale"),
            opts_class="opts scale" if question.type == "scale" else "opts",
            options=options,
            first=options[0][0] if options else "",
            input_class={"date": "date", "integer": "num", "number": "num"}.get(question.type, ""),
            inputmode=INPUT_MODES.get(question.type, ""),
            unit_id=f"{question.id}-u" if question.unit and question.type in INPUT_MODES else "",
            hint_id=f"{question.id}-h" if question.help else "",
            autocomplete=AUTOCOMPLETE.get(question.id, ""),
        )
        _SPECS[key] = spec
    return spec


def field_views(
    questions: Sequence[Question],
    shown: Mapping[str, Sequence[str]],
    errors: Mapping[str, str],
    hidden: set[str] | frozenset[str] = frozenset(),
    conditions: Mapping[str, Condition] | None = None,
) -> list[FieldView]:
    """The fields of one page, in order."""
    conditions = conditions or {}
    views = []
    for question in questions:
        spec = spec_of(question)
        values = shown.get(question.id, ())
        error = errors.get(question.id)
        desc = " ".join(part for part in (spec.hint_id, spec.unit_id, f"{question.id}-e" if error else "") if part)
        checked = bool(values) and values[0].strip().lower() in CONSENT_TRUE
        views.append(
            FieldView(spec, values, " ".join(values), checked, error, desc, question.id in hidden, conditions.get(question.id))
        )
    return views
