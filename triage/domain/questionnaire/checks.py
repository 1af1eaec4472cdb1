"""Checking the questions of a questionnaire document: choice sets, ids, borrowed choices and follow-up conditions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from triage.domain.errors import did_you_mean, line_at, line_of
from triage.domain.questionnaire.field_checks import misplaced_fields
from triage.domain.questionnaire.model import CompoundShownWhen, Condition, ShownWhen
from triage.domain.questionnaire.problems import Problems
from triage.domain.questionnaire.schema import (
    ChoiceModel,
    QuestionModel,
    ShownTestModel,
    StepModel,
    TemplateModel,
    report_errors,
    validate_part,
)
from triage.domain.questionnaire.values import CHOICE_TYPES

_CHOICES: TypeAdapter[list[ChoiceModel]] = TypeAdapter(list[ChoiceModel])
_LIST_OPERATORS = ("one_of", "includes_any")
_MULTI_OPERATORS = ("includes", "includes_any", "at_least")
Choices = tuple[ChoiceModel, ...]


@dataclass(frozen=True)
class CheckedQuestion:
    """A question that passed every check, with its choices resolved and its condition built."""

    fields: QuestionModel | TemplateModel
    id: str
    label: str
    choices: Choices
    shown_when: Condition | None
    line: int | None


@dataclass(frozen=True)
class CheckedStep:
    """A step that passed its checks, with the questions that did."""

    fields: StepModel
    questions: tuple[CheckedQuestion, ...]


def _id_of(raw: Any) -> str | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def ids_ahead(steps: list[Any]) -> dict[str, int | None]:
    """Every plainly written question id with its line, so a condition on a later question can say so."""
    ahead: dict[str, int | None] = {}
    for raw_step in steps:
        questions = raw_step.get("questions") if isinstance(raw_step, dict) else None
        for index, raw in enumerate(questions if isinstance(questions, list) else []):
            qid = _id_of(raw)
            if qid is not None:
                ahead.setdefault(qid, line_of(questions, index))
    return ahead


class Checker:
    """Walks the document once, recording every problem and keeping what passed."""

    def __init__(self, problems: Problems, ahead: dict[str, int | None]):
        self.problems = problems
        self.ahead = ahead
        self.choice_sets: dict[str, Choices] = {}
        self.by_id: dict[str, CheckedQuestion] = {}
        self.broken: set[str] = set()  # ids of questions that failed, so conditions on them do not fail twice

    @property
    def known(self) -> list[str]:
        """Every question id seen so far, good or broken, for did-you-mean hints."""
        return [*self.by_id, *sorted(self.broken)]

    def choices(self, raw: Any, where: Any, key: Any, item: str | None, kind: str = "question") -> Choices | None:
        """A choice list written out, or the name of a choice set."""
        line = line_of(where, key)
        if isinstance(raw, str):
            if raw not in self.choice_sets:
                hint = did_you_mean(raw, self.choice_sets)
                self.problems.add(f"unknown choice set '{raw}'.{hint}", line, item=item, kind=kind)
                return None
            return self.choice_sets[raw]
        try:
            parsed = _CHOICES.validate_python(raw, strict=True)
        except ValidationError as exc:
            report_errors(exc, raw, self.problems, item, kind)
            return None
        values = [c.value for c in parsed]
        for value in sorted({v for v in values if values.count(v) > 1}):
            self.problems.add(f"the choice value '{value}' is offered twice", line, item=item, kind=kind)
        return tuple(parsed)

    def choice_set(self, name: str, raw: Any, where: Any) -> None:
        """One shared choice set, named so questions can use it."""
        if not isinstance(raw, list):
            self.problems.add("a choice set must be a list of choices", line_of(where, name), item=name, kind="choice set")
            return
        resolved = self.choices(raw, where, name, name, "choice set")
        if resolved is not None:
            self.choice_sets[name] = resolved

    def condition(self, raw: Any, fields: QuestionModel, qid: str) -> Condition | None:
        """Check a shown_when: each of its tests names an earlier question and, for a choice question, only its choices."""
        if fields.shown_when is None:
            return None
        when = fields.shown_when
        where = ["shown_when", when.behaviour] if when.behaviour else ["shown_when"]
        # Every test is checked, so that each of its problems is reported at once.
        tests = [self.test(raw, [*where, i] if when.behaviour else where, t, qid) for i, t in enumerate(when.tests)]
        kept = [t for t in tests if t is not None]
        if len(kept) < len(tests):
            return None
        return CompoundShownWhen(when.behaviour, tuple(kept)) if when.behaviour else kept[0]

    def test(self, raw: Any, path: list[Any], test: ShownTestModel, qid: str) -> ShownWhen | None:
        """One test of a shown_when (at `path` in the question), checked against the question it names."""
        op = test.operator
        value, line = getattr(test, op), line_at(raw, [*path, "question"])
        target = self.by_id.get(test.question)
        if target is None:
            if test.question not in self.broken:
                later = self.ahead.get(test.question) if test.question != qid else None
                why = f" (it comes later, at line {later})" if later else "." + did_you_mean(test.question, self.known)
                self.problems.add(f"shown_when names '{test.question}', which is not an earlier question{why}", line, item=qid)
            return None
        kind = target.fields.type
        if op in _MULTI_OPERATORS and kind != "multi":
            self.problems.add(f"'{op}' needs a multi-choice question, but '{target.id}' is {kind}", line, item=qid)
        elif op in ("equals", "one_of") and kind == "multi":
            self.problems.add(f"'{target.id}' is multi-choice: use 'includes' or 'includes_any', not '{op}'", line, item=qid)
        elif op != "answered" and kind == "table":
            self.problems.add(f"'{target.id}' is a table: a follow-up can only test that it is answered", line, item=qid)
        if op == "at_least" and kind == "multi" and value > len(target.choices):
            self.problems.add(
                f"at_least {value} can never hold: '{target.id}' offers only {len(target.choices)} choices",
                line_at(raw, [*path, op]),
                item=qid,
            )
        if target.choices and op not in ("answered", "at_least"):
            known = [c.value for c in target.choices]
            for given in value if op in _LIST_OPERATORS else [value]:
                if given not in known:
                    hint = did_you_mean(given, known)
                    self.problems.add(
                        f"shown_when: '{given}' is not a choice of '{target.id}'.{hint}",
                        line_at(raw, [*path, op]),
                        item=qid,
                    )
        return ShownWhen(test.question, op, value)

    def add(self, checked: CheckedQuestion) -> None:
        """Keep a question that passed, refusing a second one with the same id."""
        first = self.by_id.get(checked.id)
        if first is not None or checked.id in self.broken:
            where = f" (first at line {first.line})" if first is not None and first.line else ""
            self.problems.add(f"question id '{checked.id}' is defined twice{where}", checked.line, item=checked.id)
            return
        self.by_id[checked.id] = checked

    def question(self, raw: Any, line: int | None, step_questions: list[CheckedQuestion]) -> None:
        """One question written in a step."""
        qid = _id_of(raw)
        fields = validate_part(QuestionModel, raw, self.problems, qid)
        choices = self.checked_choices(raw, fields, qid)
        if fields is None or choices is None:
            if qid is not None:
                self.broken.add(qid)
            return
        shown_when = self.condition(raw, fields, fields.id)
        checked = CheckedQuestion(fields, fields.id, fields.label, choices, shown_when, line)
        self.add(checked)
        step_questions.append(checked)

    def checked_choices(self, raw: Any, fields: QuestionModel | TemplateModel | None, qid: str | None) -> Choices | None:
        """The question's choices, or None when they (or the question, or a field of it) are wrong."""
        if fields is None:
            return None
        misplaced = misplaced_fields(fields)
        for key, message in misplaced:
            self.problems.add(message, line_of(raw, key) or line_of(raw), item=qid)
        if fields.choices_from is not None:
            borrowed = self.borrowed_choices(raw, fields, qid)
            return None if misplaced else borrowed
        choices = () if fields.choices is None else self.choices(fields.choices, raw, "choices", qid)
        line = line_of(raw, "choices") or line_of(raw)
        if choices is not None and fields.type in CHOICE_TYPES and not choices:
            self.problems.add(f"a {fields.type} question needs choices", line, item=qid)
            return None
        if choices and fields.type not in CHOICE_TYPES:
            self.problems.add(f"choices are only for single and multi questions, not {fields.type}", line, item=qid)
            return None
        return None if misplaced else choices

    def borrowed_choices(self, raw: Any, fields: QuestionModel | TemplateModel, qid: str | None) -> Choices | None:
        """The choices of the earlier multi question that `choices_from` names."""
        line, name = line_of(raw, "choices_from") or line_of(raw), fields.choices_from
        if fields.type != "single":
            self.problems.add(f"choices_from is only for single questions, not {fields.type}", line, item=qid)
            return None
        if fields.choices is not None:
            self.problems.add("write either choices or choices_from, not both", line, item=qid)
            return None
        source = self.by_id.get(name or "")
        if source is None or source.fields.type != "multi":
            if name in self.broken:
                return None  # its own problem is reported already
            if source is not None:
                message = f"choices_from names '{name}', which is {source.fields.type}: it must name a multi-choice question"
            else:
                message = f"choices_from names '{name}', which is not an earlier question.{did_you_mean(name, self.known)}"
            self.problems.add(message, line, item=qid)
            return None
        return source.choices
