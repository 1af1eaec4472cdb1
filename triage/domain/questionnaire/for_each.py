"""Checking for_each steps: follow-up questions written once and copied for each ticked choice (or those of only_for)."""

from __future__ import annotations

import re
from typing import Any

from triage.domain.errors import did_you_mean, line_of
from triage.domain.questionnaire.checks import CheckedQuestion, Checker, Choices
from triage.domain.questionnaire.model import ShownWhen
from triage.domain.questionnaire.schema import ForEachModel, TemplateModel, validate_part

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,63}\Z")
Template = tuple[TemplateModel, Choices, int | None]


def check_for_each(checker: Checker, raw: Any, step_questions: list[CheckedQuestion], step_id: str | None) -> None:
    """Follow-up questions copied once for each choice of an earlier multi-choice question."""
    spec = validate_part(ForEachModel, raw, checker.problems, step_id, "step")
    if spec is None:
        return
    source, line = checker.by_id.get(spec.source), line_of(raw, "source")
    if spec.source in checker.broken:
        return  # its own problem is reported already; its copies cannot be checked without it
    if source is None or source.fields.type != "multi":
        hint = "" if source is not None else did_you_mean(spec.source, checker.known)
        checker.problems.add(
            f"for_each source '{spec.source}' must be an earlier multi-choice question.{hint}",
            line,
            item=step_id,
            kind="step",
        )
        return
    templates = [_template(checker, t, line_of(raw.get("questions"), i), source) for i, t in enumerate(spec.questions)]
    # Copies go choice by choice (all of one symptom's follow-ups together), as the patient reads them.
    for choice in source.choices:
        for template in templates:
            if template is None:
                continue
            fields, choices, line = template
            if fields.only_for is not None and choice.value not in fields.only_for:
                continue
            qid, text = fields.id.format(value=choice.value), fields.label.format(label=choice.label)
            checked = CheckedQuestion(fields, qid, text, choices, ShownWhen(source.id, "includes", choice.value), line)
            checker.add(checked)
            step_questions.append(checked)


def _template(checker: Checker, raw: Any, line: int | None, source: CheckedQuestion) -> Template | None:
    """One for_each template, checked so that every copy of it gets a valid id and label."""
    problems = checker.problems
    tid = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    if isinstance(raw, dict) and "shown_when" in raw:
        message = "a for_each question is shown when its choice is ticked; leave out its shown_when"
        problems.add(message, line_of(raw, "shown_when"), item=tid)
        return None
    fields = validate_part(TemplateModel, raw, problems, tid)
    choices = checker.checked_choices(raw, fields, tid)
    if fields is None or choices is None:
        return None
    if "{value}" not in fields.id:
        problems.add("a for_each question id must contain {value}, or every copy gets the same id", line, item=tid)
        return None
    values = [c.value for c in source.choices]
    unknown = [(i, v) for i, v in enumerate(fields.only_for or ()) if v not in values]
    for index, value in unknown:
        where = line_of(raw.get("only_for"), index) or line_of(raw, "only_for") or line
        problems.add(f"only_for: '{value}' is not a choice of '{source.id}'.{did_you_mean(value, values)}", where, item=tid)
    if unknown:
        return None
    for choice in source.choices:
        try:
            qid = fields.id.format(value=choice.value)
            fields.label.format(label=choice.label)
        except (KeyError, IndexError, ValueError):
            problems.add("in for_each, the id may use only {value} and the label only {label}", line, item=tid)
            return None
        if not _IDENTIFIER.match(qid):
            problems.add(f"the copy for '{choice.value}' would have the id '{qid}', which is not a valid id", line, item=tid)
            return None
    return fields, choices, line
