"""WTForms built from the question definitions: one field class whose validation is parse_field's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wtforms import Field
from wtforms.form import BaseForm
from wtforms.validators import StopValidation

from triage.domain.questionnaire.answers import parse_field
from triage.domain.questionnaire.questions import Answer, Question, Questionnaire, Step
from triage.web.patient.flow import effective_answers, in_order, visible_in

# Raw input that did not validate is kept (pending) so nothing typed is lost, but without the control
# characters no database may store (NUL above all: PostgreSQL refuses it) and within a sane length.
PENDING_MAX_CHARS = 10_000
_CONTROL_CHARACTERS = dict.fromkeys([c for c in range(32) if chr(c) not in "\t\n\r"] + [0x7F])
REQUIRED_MESSAGES = {
    "consent": "Please tick the box to confirm.",
    "single": "Please choose an answer.",
    "multi": "Please choose at least one answer.",
}
JS_MARKER = "_js"  # added by static/js/followups.js: follow-up questions already appeared in place


def storable(raw: str) -> str:
    """Raw input made safe to keep as pending: control characters removed, length capped."""
    return raw.translate(_CONTROL_CHARACTERS)[:PENDING_MAX_CHARS]


def required_message(question: Question) -> str:
    """The message for a required question left unanswered."""
    return REQUIRED_MESSAGES.get(question.type, "Please answer this question.")


def answer_strings(value: Answer | None) -> list[str]:
    """A stored answer as the strings a form field shows (170.0 shows as 170; table rows one after another)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(cell) for v in value for cell in (v if isinstance(v, list) else [v])]
    if isinstance(value, bool):
        return ["yes"] if value else []
    if isinstance(value, float) and value.is_integer():
        return [str(int(value))]
    return [str(value)]


def shown_strings(question: Question, value: Answer | None) -> list[str]:
    """A stored answer in the raw-input convention of its widget (what its boxes show).

    Dates are [day, month, year]; numbers with imperial boxes [metric, "", ""]; tables row after row,
    one string per column.
    """
    if value is None:
        return []
    if question.type == "date" and isinstance(value, str) and len(parts := value.split("-")) == 3:
        year, month, day = parts
        return [day.lstrip("0") or day, month.lstrip("0") or month, year]
    if question.type == "number" and question.imperial:
        return answer_strings(value) + ["", ""]
    if question.type == "table" and isinstance(value, list):
        width = len(question.columns)
        rows = [row if isinstance(row, list) else [row] for row in value]
        return [str(cell) for row in rows for cell in (list(row) + [""] * (width - len(row)))]
    return answer_strings(value)


def box_names(question: Question) -> list[str] | None:
    """The names of the boxes one question posts, in raw-input order (None: the question's own name only)."""
    qid = question.id
    if question.type == "date":
        return [f"{qid}-day", f"{qid}-month", f"{qid}-year"]
    if question.type == "number" and question.imperial:
        return [qid, f"{qid}-major", f"{qid}-minor"]
    if question.type == "table":
        return [f"{qid}-{row}-{column.id}" for row in range(question.max_rows) for column in question.columns]
    return None


def raw_input(question: Question, formdata: Any) -> tuple[list[str], bool]:
    """The posted strings of one question in its raw-input convention, and whether a box was posted twice.

    A box posted more than once keeps every string (joined by a space), so nothing typed is lost; a table
    drops only its trailing blank rows. A date posted as one string under its own name (a page from before the
    three boxes, still open in a browser) is read as one string, as the JSON path gives it.
    """
    names = box_names(question)
    if question.type == "date" and question.id in formdata and names and not any(n in formdata for n in names):
        names = None
    if names is None:
        found = formdata.getlist(question.id) if question.id in formdata else []
        return [v for v in found if isinstance(v, str)], False
    raw: list[str] = []
    repeated = False
    for name in names:
        found = [v for v in formdata.getlist(name) if isinstance(v, str)] if name in formdata else []
        repeated = repeated or len(found) > 1
        raw.append(" ".join(found))
    if question.type == "table":
        width = len(question.columns) or 1
        while raw and not any(v.strip() for v in raw[-width:]):
            del raw[-width:]
    return raw, repeated


class QuestionField(Field):
    """One question's form field: keeps the raw strings posted; validating is parse_field, plus `required`."""

    def __init__(self, label: str | None = None, validators: Any = None, *, question: Question, **kwargs: Any):
        super().__init__(label or question.label, validators, **kwargs)
        self.question = question
        self.raw: list[str] = []
        self.repeated = False

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        """Read this question's boxes (a date's three, a table's cells) into its raw-input convention.

        A question of one box keeps every string posted under its name (duplicates included: parse_field
        decides what they mean).
        """
        self.process_errors = []
        self.data = None
        if formdata is not None:
            self.raw, self.repeated = raw_input(self.question, formdata)
            self.raw_data = list(self.raw)

    def pre_validate(self, form: Any) -> None:
        """Parse with the domain's rules; the message is parse_field's own."""
        if self.repeated:
            raise StopValidation("Please give one answer only.")
        parsed = parse_field(self.question, self.raw, getattr(form, "today", None))
        self.data = parsed.value
        if parsed.error:
            raise StopValidation(parsed.error)
        if self.question.required and parsed.value is None:
            raise StopValidation(required_message(self.question))

    def typed_something(self) -> bool:
        """Whether anything but white space was posted."""
        return any(v.strip() for v in self.raw)


_UNBOUND: dict[tuple[str, str], tuple[Step, list[tuple[str, Any]]]] = {}


def _unbound_fields(questionnaire: Questionnaire, step: Step) -> list[tuple[str, Any]]:
    key = (questionnaire.version, step.id)
    cached = _UNBOUND.get(key)
    if cached is None or cached[0] is not step:
        cached = _UNBOUND[key] = (step, [(q.id, QuestionField(question=q)) for q in step.questions])
    return cached[1]


class StepForm(BaseForm):
    """The form of one step, one QuestionField per question (CSRF is checked app-wide by CSRFProtect)."""

    def __init__(self, questionnaire: Questionnaire, step: Step, formdata: Any, today: dt.date | None = None):
        super().__init__(_unbound_fields(questionnaire, step))
        self.today = today or dt.date.today()
        self.process(formdata)

    def question_field(self, question_id: str) -> QuestionField:
        """The field of one question."""
        found = self[question_id]
        if not isinstance(found, QuestionField):
            raise TypeError(question_id)
        return found


@dataclass
class StepReading:
    """What one post of a step means: values to store, raw inputs to keep, errors and what to show again."""

    values: dict[str, Answer | None] = field(default_factory=dict)
    pending: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    shown: dict[str, list[str]] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    visible: list[Question] = field(default_factory=list)
    new_followups_blank: bool = False


def read_step(
    questionnaire: Questionnaire,
    step: Step,
    formdata: Any,
    stored: Mapping[str, Answer],
    before: Collection[str] | None = None,
    today: dt.date | None = None,
    known: Mapping[str, Answer] | None = None,
) -> StepReading:
    """Validate a posted step against the stored answers; visibility follows the answers as posted.

    `before` names the step's questions visible before this post (worked out when not given);
    the reading's `answers` are the effective answers of the whole questionnaire after it.
    `known` are the answers the invitation gives: stored as they are, whatever the post says (the page shows them as
    text, so a post that carries a value for one was not made from the page).
    """
    known = known or {}
    form = StepForm(questionnaire, step, formdata, today)
    if before is None:
        before = {q.id for q in visible_in(step, effective_answers(questionnaire, stored))}
    reading = StepReading()
    effective = reading.answers
    for question in in_order(questionnaire):
        if not question.is_shown(effective):
            continue
        if question.step != step.id:
            if question.id in stored:
                effective[question.id] = stored[question.id]
            continue
        reading.visible.append(question)
        if question.id in known:
            reading.values[question.id] = effective[question.id] = known[question.id]
            reading.shown[question.id] = shown_strings(question, known[question.id])
            continue
        posted = form.question_field(question.id)
        if posted.validate(form):
            reading.values[question.id] = posted.data
            reading.shown[question.id] = shown_strings(question, posted.data)
            if posted.data is not None:
                effective[question.id] = posted.data
            elif question.id not in before:
                reading.new_followups_blank = True
            continue
        reading.errors[question.id] = posted.errors[0]
        reading.values[question.id] = None
        kept = [storable(v) for v in posted.raw]
        reading.shown[question.id] = kept
        if posted.typed_something():
            reading.pending[question.id] = kept
    return reading


def changed_values(
    values: Mapping[str, Answer | None], stored: Mapping[str, Answer], pending: Mapping[str, list[str]]
) -> dict[str, Answer | None]:
    """The posted values that change what is stored (or clear a kept raw input): all save_step needs to write."""
    return {qid: value for qid, value in values.items() if qid in pending or stored.get(qid) != value}


def shown_values(
    questions: Sequence[Question], stored: Mapping[str, Answer], pending: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """What each field shows on a fresh page: the pending raw input if any, else the stored answer."""
    return {q.id: list(pending[q.id]) if q.id in pending else shown_strings(q, stored.get(q.id)) for q in questions}


def pending_errors(
    questions: Sequence[Question], pending: Mapping[str, list[str]], today: dt.date | None = None
) -> dict[str, str]:
    """The messages for kept raw inputs that still do not validate (shown when the patient comes back)."""
    errors: dict[str, str] = {}
    for question in questions:
        if question.id in pending:
            errors[question.id] = (
                parse_field(question, pending[question.id], today).error or "Please check this answer and press Continue."
            )
    return errors
