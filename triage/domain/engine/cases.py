"""Rule test cases as data (rules/tests/*.yaml): loading, checking against the ruleset, and running them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from triage.domain.engine.evaluate import evaluate
from triage.domain.engine.result import Result
from triage.domain.engine.ruleset import Ruleset
from triage.domain.engine.schema import Identifier, Text, report_schema_errors
from triage.domain.engine.yaml_source import read_yaml_file
from triage.domain.errors import AnswerError, ProblemList, did_you_mean, line_of
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import Questionnaire


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Expectation(_Strict):
    """What a case expects of the result; every field is optional."""

    red_flags: list[Identifier] = Field(default_factory=list)
    no_red_flags: bool = False
    top_n: int = Field(default=3, ge=1, le=20)
    in_top: list[Identifier] = Field(default_factory=list)
    first: Identifier | None = None
    not_first: list[Identifier] = Field(default_factory=list)
    not_listed: list[Identifier] = Field(default_factory=list)
    caveats: list[Identifier] = Field(default_factory=list)
    no_caveats: list[Identifier] = Field(default_factory=list)
    investigations: list[Text] = Field(default_factory=list)
    no_investigations: list[Text] = Field(default_factory=list)
    missing: list[Identifier] = Field(default_factory=list)


class CaseModel(_Strict):
    """One case: a described patient, their answers, the date of the intake and what must follow."""

    id: Identifier
    description: Text
    on: str | None = None
    answers: dict[str, Any]
    expect: Expectation

    @field_validator("on")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError("'on' must be a date written as YYYY-MM-DD") from None
        return value


CASE_FIELDS = sorted(set(CaseModel.model_fields) | set(Expectation.model_fields))


@dataclass(frozen=True)
class RuleCase:
    """A checked case, ready to run: typed answers and the evaluation date."""

    id: str
    description: str
    file: str
    on: dt.date
    answers: dict[str, Any]
    expect: Expectation


def typed_answers(questionnaire: Questionnaire, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Answers read from YAML with number-like choices (Bristol types, scores) turned back into the words stored."""
    fixed = {}
    for key, value in raw.items():
        question = questionnaire.by_id.get(key)
        if question is not None and question.type == "single" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        fixed[key] = value
    return fixed


def _check_references(ruleset: Ruleset, case: CaseModel, problems: ProblemList, line: int | None) -> None:
    kinds = {rule.id: rule.kind for rule in ruleset.rules}
    differentials = [d.id for d in ruleset.differentials]
    tests = sorted({rule.test for rule in ruleset.rules if rule.kind == "investigation"})
    expect = case.expect
    checks = [
        (expect.red_flags, [r for r, k in kinds.items() if k == "red_flag"], "red flag rule"),
        (expect.caveats + expect.no_caveats, [r for r, k in kinds.items() if k == "caveat"], "caveat rule"),
        (
            expect.in_top + expect.not_first + expect.not_listed + ([expect.first] if expect.first else []),
            differentials,
            "differential",
        ),
        (expect.investigations + expect.no_investigations, tests, "suggested test"),
        (expect.missing, list(ruleset.questionnaire.by_id), "question"),
    ]
    for names, known, what in checks:
        for name in names:
            if name not in known:
                problems.add(f"'{name}' is not a {what} of this ruleset.{did_you_mean(name, known)}", line, case.id)


def _read_case(ruleset: Ruleset, raw: Any, line: int | None, problems: ProblemList) -> RuleCase | None:
    case_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    try:
        case = CaseModel.model_validate(raw)
    except ValidationError as exc:
        report_schema_errors(exc, raw, problems, case_id, CASE_FIELDS)
        return None
    _check_references(ruleset, case, problems, line)
    on = dt.date.fromisoformat(case.on) if case.on else dt.date.today()
    try:
        answers = validate_answers(ruleset.questionnaire, typed_answers(ruleset.questionnaire, case.answers), today=on)
    except AnswerError as error:
        for problem in error.problems:
            problems.add(f"answers: {problem}", line_of(raw, "answers") or line, case.id)
        return None
    return RuleCase(case.id, case.description, problems.file, on, answers, case.expect)


def load_rule_tests(directory: Path, ruleset: Ruleset) -> list[RuleCase]:
    """Read every *.yaml case file in a directory and check it against the ruleset; raises RulesetError."""
    problems = ProblemList(str(directory), item="case")
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        problems.add("there are no rule test files (*.yaml) here")
    cases: list[RuleCase] = []
    seen: set[str] = set()
    for path in files:
        in_file = problems.for_file(path.name)
        before = len(problems.items)
        raw = read_yaml_file(path, in_file)
        items = raw.get("cases") if isinstance(raw, dict) else None
        if not isinstance(items, list) or not items or set(raw) != {"cases"}:
            if len(problems.items) == before:  # unless the file could not even be read
                in_file.add("a rule test file must hold a single key, 'cases', with a non-empty list of cases", line_of(raw))
            continue
        for i, item in enumerate(items):
            case = _read_case(ruleset, item, line_of(items, i), in_file)
            if case is not None and case.id in seen:
                in_file.add(f"the case id '{case.id}' is used twice", line_of(items, i), case.id)
            elif case is not None:
                seen.add(case.id)
                cases.append(case)
    problems.raise_if_any()
    return cases


def _names(result: Result, count: int | None = None) -> str:
    chosen = result.differentials[:count] if count else result.differentials
    return ", ".join(f"{d.id} ({d.score})" for d in chosen) or "none"


def check_case(case: RuleCase, result: Result) -> list[str]:
    """Every way the result falls short of the case's expectations, in plain words (empty when it passes)."""
    expect, failures = case.expect, []
    flags = [f.id for f in result.red_flags]
    ranked = [d.id for d in result.differentials]
    caveats = [c.id for c in result.caveats]
    tests = [i.test for i in result.investigations]
    failures += [
        f"expected the red flag {r} to be raised, but it was not (raised: {', '.join(flags) or 'none'})"
        for r in expect.red_flags
        if r not in flags
    ]
    if expect.no_red_flags and flags:
        failures.append(f"expected no red flags, but these were raised: {', '.join(flags)}")
    failures += [
        f"expected {d} in the top {expect.top_n}, but the top {expect.top_n} were: {_names(result, expect.top_n)}"
        for d in expect.in_top
        if d not in ranked[: expect.top_n]
    ]
    if expect.first and result.ranked_first != (expect.first,):  # alone: a tie for first reads as a tie, not a win
        tied = " (tied for first)" if expect.first in result.ranked_first else ""
        failures.append(f"expected {expect.first} to rank first alone{tied}, but the ranking was: {_names(result)}")
    failures += [
        f"{d} must not rank first, but it did (ranking: {_names(result)})"
        for d in expect.not_first
        if result.top_differential == d
    ]
    failures += [
        f"{d} must not be listed at all, but it was (ranking: {_names(result)})" for d in expect.not_listed if d in ranked
    ]
    failures += [
        f"expected the caveat {c}, but it was not given (given: {', '.join(caveats) or 'none'})"
        for c in expect.caveats
        if c not in caveats
    ]
    failures += [f"the caveat {c} must not be given, but it was" for c in expect.no_caveats if c in caveats]
    failures += [f"expected the test '{t}' to be suggested, but it was not" for t in expect.investigations if t not in tests]
    failures += [f"the test '{t}' must not be suggested, but it was" for t in expect.no_investigations if t in tests]
    asked = [m.question for m in result.missing]
    failures += [
        f"expected '{q}' among the questions to ask at the visit, but it was not" for q in expect.missing if q not in asked
    ]
    return failures


def run_case(ruleset: Ruleset, case: RuleCase) -> tuple[Result, list[str]]:
    """Evaluate one case and compare the result with its expectations."""
    result = evaluate(ruleset, case.answers, on=case.on)
    return result, check_case(case, result)
