"""The case library (rules/cases/*.yaml): cited published cases with what a clinician would expect, for accuracy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from triage.domain.engine.cases import typed_answers
from triage.domain.engine.ruleset import Ruleset
from triage.domain.engine.schema import Identifier, Text, report_schema_errors
from triage.domain.engine.yaml_source import read_yaml_file
from triage.domain.errors import AnswerError, ProblemList, did_you_mean, line_of
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import Questionnaire, default_questionnaire, questionnaire_for
from triage.paths import resource_dir

DEFAULT_CASES: Path = resource_dir("rules") / "cases"
Tag = Literal[
    "typical",
    "atypical",
    "older_onset",
    "neurological",
    "liver_tests",
    "two_conditions",
    "near_empty",
    "contradictory",
    "iga_deficiency",
    "on_treatment",
    "emergency",
]
TAGS: tuple[str, ...] = get_args(Tag)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Source(_Strict):
    """Where the case was published: the report a case is built from, never the rules' own knowledge base."""

    title: Text
    published: Text
    link: str | None = None
    kind: Literal["case_report", "teaching_case", "patient_story"]


class LibraryExpectation(_Strict):
    """What a guideline-led clinician expects for the case; every field is optional."""

    red_flags: list[Identifier] = Field(default_factory=list)
    no_red_flags: bool = False
    first: Identifier | None = None
    in_top_3: list[Identifier] = Field(default_factory=list)
    not_first: list[Identifier] = Field(default_factory=list)
    caveats: list[Identifier] = Field(default_factory=list)
    tests: list[Text] = Field(default_factory=list)
    no_tests: list[Text] = Field(default_factory=list)
    too_few_answers: bool | None = None


class LibraryCaseModel(_Strict):
    """One case as written in a library file."""

    id: Identifier
    source: Source
    summary: Text
    diagnosis: Text
    tags: list[Tag] = Field(default_factory=list)
    on: str
    questionnaire: str | None = None
    answers: dict[str, Any]
    expect: LibraryExpectation

    @field_validator("on")
    @classmethod
    def _date(cls, value: str) -> str:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("'on' must be a date written as YYYY-MM-DD") from None
        return value


CASE_FIELDS = sorted(set(LibraryCaseModel.model_fields) | set(LibraryExpectation.model_fields) | set(Source.model_fields))


@dataclass(frozen=True)
class LibraryCase:
    """A checked library case, ready to evaluate: typed answers on their questionnaire version."""

    id: str
    file: str
    title: str
    source: Source
    diagnosis: str
    tags: tuple[str, ...]
    on: dt.date
    questionnaire_version: str
    answers: dict[str, Any]
    expect: LibraryExpectation


def _questionnaire(case: LibraryCaseModel, problems: ProblemList, line: int | None) -> Questionnaire | None:
    if case.questionnaire is None:
        return default_questionnaire()
    try:
        return questionnaire_for(case.questionnaire)
    except KeyError:
        problems.add(f"'questionnaire': there is no bundled questionnaire version '{case.questionnaire}'", line, case.id)
        return None


def check_references(ruleset: Ruleset, case: LibraryCase, problems: ProblemList) -> None:
    """Record every id in the case's expectations that this ruleset does not know (tests are matched as words)."""
    kinds = {rule.id: rule.kind for rule in ruleset.rules}
    expect = case.expect
    differentials = [d.id for d in ruleset.differentials]
    named = [
        (expect.red_flags, [r for r, k in kinds.items() if k == "red_flag"], "red flag rule"),
        (expect.caveats, [r for r, k in kinds.items() if k == "caveat"], "caveat rule"),
        (expect.in_top_3 + expect.not_first + ([expect.first] if expect.first else []), differentials, "differential"),
    ]
    for names, known, what in named:
        for name in names:
            if name not in known:
                problems.for_file(case.file).add(
                    f"'{name}' is not a {what} of ruleset {ruleset.version}.{did_you_mean(name, known)}", None, case.id
                )


def _read_case(raw: Any, line: int | None, problems: ProblemList) -> LibraryCase | None:
    case_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    try:
        case = LibraryCaseModel.model_validate(raw)
    except ValidationError as exc:
        report_schema_errors(exc, raw, problems, case_id, CASE_FIELDS)
        return None
    questionnaire = _questionnaire(case, problems, line)
    if questionnaire is None:
        return None
    on = dt.date.fromisoformat(case.on)
    try:
        answers = validate_answers(questionnaire, typed_answers(questionnaire, case.answers), today=on)
    except AnswerError as error:
        for problem in error.problems:
            problems.add(f"answers: {problem}", line_of(raw, "answers") or line, case.id)
        return None
    # A patient can only answer what the form asks: an answer to a question its conditions hide is not a real intake.
    hidden = [key for key in answers if not questionnaire.by_id[key].is_shown(answers)]
    for key in hidden:
        problems.add(f"answers: '{key}' is not asked with these answers (its shown_when does not hold)", line, case.id)
    if hidden:
        return None
    return LibraryCase(
        case.id,
        problems.file,
        case.source.title,
        case.source,
        case.diagnosis,
        tuple(case.tags),
        on,
        questionnaire.version,
        answers,
        case.expect,
    )


def _read_file(path: Path, problems: ProblemList, seen: set[str]) -> list[LibraryCase]:
    in_file = problems.for_file(path.name)
    before = len(problems.items)
    raw = read_yaml_file(path, in_file)
    items = raw.get("cases") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items or set(raw) != {"cases"}:
        if len(problems.items) == before:  # unless the file could not even be read
            in_file.add("a case library file must hold a single key, 'cases', with a non-empty list of cases", line_of(raw))
        return []
    cases = []
    for i, item in enumerate(items):
        case = _read_case(item, line_of(items, i), in_file)
        if case is not None and case.id in seen:
            in_file.add(f"the case id '{case.id}' is used twice", line_of(items, i), case.id)
        elif case is not None:
            seen.add(case.id)
            cases.append(case)
    return cases


def load_case_library(directory: Path, ruleset: Ruleset | None = None) -> list[LibraryCase]:
    """Read every *.yaml file of a case library (checked against a ruleset's ids when given); raises RulesetError."""
    problems = ProblemList(str(directory), item="case")
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        problems.add("there are no case library files (*.yaml) here")
    seen: set[str] = set()
    cases = [case for path in files for case in _read_file(path, problems, seen)]
    if ruleset is not None:
        for case in cases:
            check_references(ruleset, case, problems)
    problems.raise_if_any()
    return cases
