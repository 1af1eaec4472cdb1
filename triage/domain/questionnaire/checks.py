"""Checking a questionnaire document as a whole: choice sets, ids, follow-up conditions and for_each copies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from triage.domain.errors import did_you_mean, line_at, line_of
from triage.domain.questionnaire.problems import Problems
from triage.domain.questionnaire.schema import (
    ChoiceModel,
    ForEachModel,
    QuestionModel,
    QuestionnaireFile,
    StepModel,
    TemplateModel,
    report_errors,
    validate_part,
)
from triage.domain.questionnaire.values import CHOICE_TYPES

_CHOICES: TypeAdapter[list[ChoiceModel]] = TypeAdapter(list[ChoiceModel])
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,63}\Z")
_LIST_OPERATORS = ("one_of", "includes_any")
Choices = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CheckedQuestion:
    """A question that passed every check, with its choices resolved and its condition as (question, operator, value)."""

    fields: QuestionModel | TemplateModel
    id: str
    label: str
    choices: Choices
    shown_when: tuple[str, str, Any] | None
    line: int | None


@dataclass(frozen=True)
class CheckedStep:
    """A step that passed its checks, with the questions that did."""

    fields: StepModel
    questions: tuple[CheckedQuestion, ...]


@dataclass(frozen=True)
class CheckedFile:
    """The questionnaire's version and steps; only meaningful when no problem was recorded."""

    version: str
    steps: tuple[CheckedStep, ...]


def _id_of(raw: Any) -> str | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _ids_ahead(steps: list[Any]) -> dict[str, int | None]:
    """Every plainly written question id with its line, so a condition on a later question can say so."""
    ahead: dict[str, int | None] = {}
    for raw_step in steps:
        questions = raw_step.get("questions") if isinstance(raw_step, dict) else None
        for index, raw in enumerate(questions if isinstance(questions, list) else []):
            qid = _id_of(raw)
            if qid is not None:
                ahead.setdefault(qid, line_of(questions, index))
    return ahead


class _Checker:
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
        return tuple((c.value, c.label) for c in parsed)

    def choice_set(self, name: str, raw: Any, where: Any) -> None:
        """One shared choice set, named so questions can use it."""
        if not isinstance(raw, list):
            self.problems.add("a choice set must be a list of choices", line_of(where, name), item=name, kind="choice set")
            return
        resolved = self.choices(raw, where, name, name, "choice set")
        if resolved is not None:
            self.choice_sets[name] = resolved

    def condition(self, raw: Any, fields: QuestionModel, qid: str) -> tuple[str, str, Any] | None:
        """Check that a shown_when names an earlier question and, for a choice question, only its choices."""
        if fields.shown_when is None:
            return None
        when, op = fields.shown_when, fields.shown_when.operator
        value, line = getattr(when, op), line_at(raw, ["shown_when", "question"])
        target = self.by_id.get(when.question)
        if target is None:
            if when.question not in self.broken:
                later = self.ahead.get(when.question) if when.question != qid else None
                why = f" (it comes later, at line {later})" if later else "." + did_you_mean(when.question, self.known)
                self.problems.add(f"shown_when names '{when.question}', which is not an earlier question{why}", line, item=qid)
            return None
        kind = target.fields.type
        if op in ("includes", "includes_any") and kind != "multi":
            self.problems.add(f"'{op}' needs a multi-choice question, but '{target.id}' is {kind}", line, item=qid)
        elif op in ("equals", "one_of") and kind == "multi":
            self.problems.add(f"'{target.id}' is multi-choice: use 'includes' or 'includes_any', not '{op}'", line, item=qid)
        if target.choices and op != "answered":
            known = [v for v, _ in target.choices]
            for given in value if op in _LIST_OPERATORS else [value]:
                if given not in known:
                    hint = did_you_mean(given, known)
                    self.problems.add(
                        f"shown_when: '{given}' is not a choice of '{target.id}'.{hint}",
                        line_at(raw, ["shown_when", op]),
                        item=qid,
                    )
        return (when.question, op, value)

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
        """The question's choices, or None when they (or the question) are wrong."""
        if fields is None:
            return None
        choices = () if fields.choices is None else self.choices(fields.choices, raw, "choices", qid)
        line = line_of(raw, "choices") or line_of(raw)
        if choices is not None and fields.type in CHOICE_TYPES and not choices:
            self.problems.add(f"a {fields.type} question needs choices", line, item=qid)
            return None
        if choices and fields.type not in CHOICE_TYPES:
            self.problems.add(f"choices are only for single and multi questions, not {fields.type}", line, item=qid)
            return None
        return choices

    def for_each(self, raw: Any, step_questions: list[CheckedQuestion], step_id: str | None) -> None:
        """Follow-up questions copied once for each choice of an earlier multi-choice question."""
        spec = validate_part(ForEachModel, raw, self.problems, step_id, "step")
        if spec is None:
            return
        source, line = self.by_id.get(spec.source), line_of(raw, "source")
        if spec.source in self.broken:
            return  # its own problem is reported already; its copies cannot be checked without it
        if source is None or source.fields.type != "multi":
            hint = "" if source is not None else did_you_mean(spec.source, self.known)
            self.problems.add(
                f"for_each source '{spec.source}' must be an earlier multi-choice question.{hint}",
                line,
                item=step_id,
                kind="step",
            )
            return
        templates = [self.template(t, line_of(raw.get("questions"), i), source) for i, t in enumerate(spec.questions)]
        # Copies go choice by choice (all of one symptom's follow-ups together), as the patient reads them.
        for value, label in source.choices:
            for template in templates:
                if template is not None:
                    fields, choices, line = template
                    qid, text = fields.id.format(value=value), fields.label.format(label=label)
                    checked = CheckedQuestion(fields, qid, text, choices, (source.id, "includes", value), line)
                    self.add(checked)
                    step_questions.append(checked)

    def template(self, raw: Any, line: int | None, source: CheckedQuestion) -> tuple[TemplateModel, Choices, int | None] | None:
        """One for_each template, checked so that every copy of it gets a valid id and label."""
        tid = _id_of(raw)
        if isinstance(raw, dict) and "shown_when" in raw:
            message = "a for_each question is shown when its choice is ticked; leave out its shown_when"
            self.problems.add(message, line_of(raw, "shown_when"), item=tid)
            return None
        fields = validate_part(TemplateModel, raw, self.problems, tid)
        choices = self.checked_choices(raw, fields, tid)
        if fields is None or choices is None:
            return None
        if "{value}" not in fields.id:
            self.problems.add("a for_each question id must contain {value}, or every copy gets the same id", line, item=tid)
            return None
        for value, label in source.choices:
            try:
                qid = fields.id.format(value=value)
                fields.label.format(label=label)
            except (KeyError, IndexError, ValueError):
                self.problems.add("in for_each, the id may use only {value} and the label only {label}", line, item=tid)
                return None
            if not _IDENTIFIER.match(qid):
                self.problems.add(f"the copy for '{value}' would have the id '{qid}', which is not a valid id", line, item=tid)
                return None
        return fields, choices, line


def check_document(document: Any, problems: Problems) -> CheckedFile | None:
    """Check a whole questionnaire document, recording every problem; the checked file when there were none."""
    if not isinstance(document, dict):
        problems.add("the file must be a mapping with version, choice_sets and steps", line_of(document))
        return None
    header = validate_part(QuestionnaireFile, document, problems, None)
    raw_steps = document.get("steps")
    raw_steps = raw_steps if isinstance(raw_steps, list) else []
    checker = _Checker(problems, _ids_ahead(raw_steps))
    raw_sets = document.get("choice_sets")
    for name, raw in (raw_sets if isinstance(raw_sets, dict) else {}).items():
        checker.choice_set(str(name), raw, raw_sets)
    steps: list[CheckedStep] = []
    step_lines: dict[str, int | None] = {}
    for index, raw_step in enumerate(raw_steps):
        step_id, line = _id_of(raw_step), line_of(raw_steps, index)
        fields = validate_part(StepModel, raw_step, problems, step_id, "step")
        if fields is None:
            continue
        if fields.id in step_lines:
            problems.add(
                f"step id '{fields.id}' is used twice (first at line {step_lines[fields.id]})", line, item=fields.id, kind="step"
            )
        step_lines.setdefault(fields.id, line)
        questions: list[CheckedQuestion] = []
        if fields.for_each is not None:
            checker.for_each(fields.for_each, questions, fields.id)
        for q_index, raw in enumerate(fields.questions):
            checker.question(raw, line_of(raw_step.get("questions"), q_index), questions)
        steps.append(CheckedStep(fields, tuple(questions)))
    if header is None or problems.items:
        return None
    return CheckedFile(header.version, tuple(steps))
