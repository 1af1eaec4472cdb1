"""The questionnaire: every bundled version, loaded once from `forms/`, and the data dictionary."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.domain.questionnaire.checks import CheckedQuestion
from triage.domain.questionnaire.derived import DERIVED_FACTS
from triage.domain.questionnaire.document import check_document
from triage.domain.questionnaire.model import Choice, Column, CompoundShownWhen, Condition, Question, Section, ShownWhen, Step
from triage.domain.questionnaire.problems import Problems, QuestionnaireError
from triage.domain.questionnaire.schema import TemplateModel
from triage.domain.questionnaire.values import DEFAULT_MAX_LENGTH, DEFAULT_MAX_ROWS
from triage.domain.questionnaire.values import Answer as Answer
from triage.domain.yaml_lines import read_yaml_file
from triage.paths import resource_dir

# Answer is defined in values.py (so derived facts need not import this module) and the parts in model.py; both are
# re-exported here, because forms, storage and reports import them alongside Questionnaire.
__all__ = [
    "Answer",
    "Choice",
    "Column",
    "CompoundShownWhen",
    "Condition",
    "Question",
    "Questionnaire",
    "Section",
    "ShownWhen",
    "Step",
    "bundled_questionnaire_path",
    "bundled_versions",
    "default_questionnaire",
    "load_questionnaire",
    "parse_questionnaire",
    "questionnaire_for",
]


@dataclass(frozen=True)
class Questionnaire:
    """The whole versioned questionnaire."""

    version: str
    steps: tuple[Step, ...]
    by_id: dict[str, Question] = field(default_factory=dict)
    sections: tuple[Section, ...] = ()
    estimated_minutes: tuple[int, int] | None = None

    def step(self, step_id: str) -> Step:
        """The step with this id (KeyError when unknown)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def step_index(self, step_id: str) -> int:
        """Position of a step, 0-based."""
        return [s.id for s in self.steps].index(step_id)

    def section_of(self, step: Step | str) -> tuple[int, Section]:
        """The section a step is in, with its number counted from 1 (KeyError for an unknown step)."""
        wanted = self.step(step if isinstance(step, str) else step.id).section
        for number, section in enumerate(self.sections, start=1):
            if section.id == wanted:
                return number, section
        raise KeyError(wanted)

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question in order."""
        return tuple(q for s in self.steps for q in s.questions)

    def visible_questions(self, step: Step, answers: Mapping[str, Answer]) -> list[Question]:
        """The questions of a step that this patient is asked."""
        return [q for q in step.questions if q.is_shown(answers)]

    def data_dictionary(self) -> dict[str, Any]:
        """Every question as plain data (the `triage questions --json` output)."""
        dictionary: dict[str, Any] = {"version": self.version}
        if self.estimated_minutes is not None:
            dictionary["estimated_minutes"] = list(self.estimated_minutes)
        dictionary["sections"] = [{"id": s.id, "title": s.title} for s in self.sections]
        dictionary["steps"] = [{"id": s.id, "title": s.title, "section": s.section} for s in self.steps]
        dictionary["questions"] = [q.describe() for q in self.questions]
        dictionary["derived"] = [{"id": d.id, "type": d.type, "unit": d.unit, "label": d.label} for d in DERIVED_FACTS]
        return dictionary


def _question(checked: CheckedQuestion, step_id: str) -> Question:
    fields = checked.fields
    return Question(
        id=checked.id,
        step=step_id,
        type=fields.type,
        label=checked.label,
        help=fields.help,
        choices=tuple(Choice(c.value, c.label, c.exclusive, c.picture or "") for c in checked.choices),
        unit=fields.unit,
        min=fields.min,
        max=fields.max,
        max_length=fields.max_length if fields.max_length is not None else DEFAULT_MAX_LENGTH.get(fields.type),
        required=fields.required,
        shown_when=checked.shown_when,
        short_label=fields.short or "",
        compact=fields.compact,
        choices_from=fields.choices_from or "",
        imperial=fields.imperial or "",
        min_age=fields.min_age,
        max_age=fields.max_age,
        columns=tuple(Column(c.id, c.label) for c in fields.columns or ()),
        max_rows=fields.max_rows or DEFAULT_MAX_ROWS,
        copied_for=_copied_for(checked),
        from_invitation=fields.from_invitation or "",
    )


def _copied_for(checked: CheckedQuestion) -> str:
    """The choice a for_each copy was made for (its condition is `includes` that choice); "" for a written-out question."""
    when = checked.shown_when
    return str(when.value) if isinstance(checked.fields, TemplateModel) and isinstance(when, ShownWhen) else ""


def parse_questionnaire(document: Any, file: str = "questionnaire") -> Questionnaire:
    """Build a questionnaire from its YAML document; QuestionnaireError lists every problem, each located in `file`."""
    problems = Problems(file)
    checked = check_document(document, problems)
    problems.raise_if_any()
    if checked is None:  # only when a problem was recorded, which raise_if_any has just reported
        raise QuestionnaireError(problems.items)
    by_id: dict[str, Question] = {}
    steps = []
    for step in checked.steps:
        questions = tuple(_question(q, step.fields.id) for q in step.questions)
        by_id.update((q.id, q) for q in questions)
        section = step.fields.section or step.fields.id
        steps.append(Step(step.fields.id, step.fields.title, step.fields.intro, questions, step.fields.review, section))
    if checked.sections:
        sections = tuple(Section(s.id, s.title) for s in checked.sections)
    else:  # a file without sections (version 1): one section per step
        sections = tuple(Section(s.id, s.title) for s in steps)
    minutes = checked.estimated_minutes
    return Questionnaire(
        version=checked.version,
        steps=tuple(steps),
        by_id=by_id,
        sections=sections,
        estimated_minutes=(minutes[0], minutes[1]) if minutes else None,
    )


def load_questionnaire(path: Path | None = None) -> Questionnaire:
    """Load the questionnaire definition (the bundled one by default); QuestionnaireError lists every problem."""
    path = path or bundled_questionnaire_path()
    problems = Problems(str(path))
    document = read_yaml_file(path, problems)
    problems.raise_if_any()
    return parse_questionnaire(document, str(path))


def bundled_questionnaire_path() -> Path:
    """Where the bundled (current) questionnaire definition lives."""
    return resource_dir("forms") / "questionnaire.yaml"


def _archive_dir() -> Path:
    return resource_dir("forms") / "versions"


_LOCK = threading.Lock()
_LOADED: dict[str, Questionnaire] = {}  # version → questionnaire; "" holds the current file


def default_questionnaire() -> Questionnaire:
    """The bundled current questionnaire (the one new invitations get), loaded once per process."""
    with _LOCK:
        if "" not in _LOADED:
            _LOADED[""] = load_questionnaire()
        return _LOADED[""]


def _archived(version: str) -> Questionnaire:
    path = _archive_dir() / f"{version}.yaml"
    questionnaire = load_questionnaire(path)
    if questionnaire.version != version:
        problem = f"the file says version '{questionnaire.version}', but its name says '{version}'; they must match"
        problems = Problems(str(path))
        problems.add(problem, None)
        problems.raise_if_any()
    return questionnaire


def questionnaire_for(version: str) -> Questionnaire:
    """The bundled questionnaire of this version (the current file or forms/versions/<version>.yaml); KeyError if none."""
    current = default_questionnaire()
    if version == current.version:
        return current
    if version not in _archived_versions():
        raise KeyError(version)
    with _LOCK:
        if version not in _LOADED:
            _LOADED[version] = _archived(version)
        return _LOADED[version]


def _archived_versions() -> tuple[str, ...]:
    folder = _archive_dir()
    return tuple(sorted(p.stem for p in folder.glob("*.yaml"))) if folder.is_dir() else ()


def bundled_versions() -> tuple[str, ...]:
    """Every questionnaire version this installation can show: the archived ones, then the current one."""
    current = default_questionnaire().version
    return tuple(v for v in _archived_versions() if v != current) + (current,)
