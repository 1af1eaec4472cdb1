"""The clinician report model: plain data for the intake page and the PDF, built from answers and a stored result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.result_view import (
    DifferentialView,
    FindingView,
    FlagView,
    Item,
    caveat_items,
    investigation_items,
    missing_labels,
    read_result,
    result_parts,
    shown_value,
    text_of,
)
from triage.domain.questionnaire.answers import display_answer
from triage.domain.questionnaire.derived import derive_facts
from triage.domain.questionnaire.questions import Answer, Questionnaire
from triage.domain.report.history import choices, days_ago, duration, history_paragraph, join_words
from triage.domain.report.phrases import ALARM_TERMS, MEDICINES, NSAID, SYMPTOM_TERMS
from triage.domain.report.text_safety import safe_answers
from triage.domain.scales import Urgency

__all__ = [
    "AnswerRow",
    "DifferentialView",
    "FindingView",
    "FlagView",
    "Item",
    "Medicine",
    "Patient",
    "Report",
    "Severity",
    "StepGroup",
    "answer_groups",
    "build_report",
    "medicines",
    "severities",
]

ALARM_STEP = "alarm_symptoms"
NEGATIVE_VALUES = ("no",)
LEAKY_GUT_NOTE = "\u201cLeaky gut\u201d is not a diagnosis this tool makes or supports."


@dataclass(frozen=True)
class AnswerRow:
    """One answer as a clinician reads it; `negative` marks a pertinent negative (alarm answered no)."""

    question_id: str
    label: str
    value: str
    negative: bool = False


@dataclass(frozen=True)
class StepGroup:
    """The answers of one questionnaire step."""

    id: str
    title: str
    rows: tuple[AnswerRow, ...]


@dataclass(frozen=True)
class Severity:
    """A symptom's worst severity (0-10, for the chart), with how often and for how long."""

    label: str
    value: int
    frequency: str = ""
    duration: str = ""


@dataclass(frozen=True)
class Medicine:
    """A medicine line; acid suppression is highlighted with drug, frequency, duration and last dose."""

    kind: str
    drug: str
    frequency: str
    duration: str
    last_dose: str
    highlight: bool


@dataclass(frozen=True)
class Patient:
    """Who the intake is about."""

    name: str
    date_of_birth: str
    age: int | None
    sex: str


@dataclass(frozen=True)
class Report:
    """Everything the intake page and the PDF show, as plain data."""

    patient: Patient
    main_concern: str
    hopes: str
    history: str
    red_flags: tuple[FlagView, ...]
    differentials: tuple[DifferentialView, ...]
    investigations: tuple[Item, ...]
    caveats: tuple[Item, ...]
    missing: tuple[str, ...]
    note: str
    severities: tuple[Severity, ...]
    medicines: tuple[Medicine, ...]
    groups: tuple[StepGroup, ...]
    negatives: tuple[str, ...]
    ruleset_version: str
    ruleset_hash: str

    @property
    def top_urgency(self) -> Urgency | None:
        """The most urgent red flag's urgency, if any."""
        return self.red_flags[0].urgency if self.red_flags else None

    def group(self, step_id: str) -> StepGroup | None:
        """The answers of one step, if it has any."""
        return next((g for g in self.groups if g.id == step_id), None)


def answer_groups(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> tuple[StepGroup, ...]:
    """Every answer grouped by step in questionnaire order; alarm questions answered no are pertinent negatives."""
    groups, seen = [], set()
    for step in questionnaire.steps:
        rows = []
        for question in step.questions:
            seen.add(question.id)
            value = answers.get(question.id)
            if value is None or value == []:
                continue
            negative = step.id == ALARM_STEP and value in NEGATIVE_VALUES
            rows.append(AnswerRow(question.id, question.label, display_answer(question, value), negative))
        if rows:
            groups.append(StepGroup(step.id, step.title, tuple(rows)))
    extra = [AnswerRow(k, k, shown_value(questionnaire, k, v)) for k, v in sorted(answers.items()) if k not in seen]
    if extra:
        groups.append(StepGroup("other", "Answers to questions not in this questionnaire version", tuple(extra)))
    return tuple(groups)


def severities(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> tuple[Severity, ...]:
    """Each chosen symptom's worst severity (0-10) with frequency and duration, most severe first."""
    items = []
    for symptom in choices(answers, "symptoms"):
        value = answers.get(f"{symptom}_severity")
        if isinstance(value, int) and not isinstance(value, bool):
            frequency = _choice_label(questionnaire, f"{symptom}_frequency", answers.get(f"{symptom}_frequency"))
            span = duration(answers.get(f"{symptom}_months"))
            items.append(Severity(SYMPTOM_TERMS.get(symptom, symptom).capitalize(), max(0, min(10, value)), frequency, span))
    return tuple(sorted(items, key=lambda s: -s.value))


def _choice_label(questionnaire: Questionnaire, key: str, value: Any) -> str:
    question = questionnaire.by_id.get(key)
    if question is None or value is None:
        return ""
    if isinstance(value, list):
        return join_words([question.choice_label(v) for v in value if isinstance(v, str)])
    return question.choice_label(str(value))


def medicines(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> tuple[Medicine, ...]:
    """Acid-suppressing medicines (highlighted) with drug, frequency, duration and last dose, then NSAIDs and others."""
    rows = []
    for terms in MEDICINES:
        if a.get(terms.taking) not in ("yes", "not_sure"):
            continue
        sure = a.get(terms.taking) == "yes"
        rows.append(
            Medicine(
                kind=terms.kind,
                drug=_choice_label(questionnaire, terms.drug, a.get(terms.drug)) if sure else "Not sure whether taking one",
                frequency=_choice_label(questionnaire, f"{terms.prefix}_frequency", a.get(f"{terms.prefix}_frequency")),
                duration=duration(a.get(f"{terms.prefix}_months")),
                last_dose=days_ago(a.get(f"{terms.prefix}_last_dose_days")),
                highlight=terms is not NSAID,
            )
        )
    others = [v for v in choices(a, "other_medicines") if v != "none"]
    if others:
        rows.append(Medicine("Other medicines", _choice_label(questionnaire, "other_medicines", others), "", "", "", False))
    if isinstance(a.get("medicines_other"), str):
        rows.append(Medicine("Also listed by the patient", str(a["medicines_other"]), "", "", "", False))
    return tuple(rows)


def _patient(questionnaire: Questionnaire, a: Mapping[str, Answer], on: dt.date) -> Patient:
    age = derive_facts(a, on)["age_years"]
    return Patient(
        name=text_of(a.get("full_name")),
        date_of_birth=text_of(a.get("date_of_birth")),
        age=age if isinstance(age, int) else None,
        sex=_choice_label(questionnaire, "sex_at_birth", a.get("sex_at_birth")),
    )


def build_report(questionnaire: Questionnaire, answers: Mapping[str, Answer], result: Mapping[str, Any], on: dt.date) -> Report:
    """The whole report for one intake and one stored result, as of the intake date."""
    # Patient text enters the staff page and the PDF here, and only here: bidi overrides go before anything is built.
    answers = safe_answers(answers)
    model = read_result(result)
    flags, differentials = result_parts(questionnaire, model)
    groups = answer_groups(questionnaire, answers)
    return Report(
        patient=_patient(questionnaire, answers, on),
        main_concern=text_of(answers.get("main_concern")),
        hopes=text_of(answers.get("hopes")),
        history=history_paragraph(questionnaire, answers, on),
        red_flags=flags,
        differentials=differentials,
        investigations=investigation_items(model),
        caveats=caveat_items(model),
        missing=missing_labels(questionnaire, model),
        note=model.note or LEAKY_GUT_NOTE,
        severities=severities(questionnaire, answers),
        medicines=medicines(questionnaire, answers),
        groups=groups,
        negatives=tuple(ALARM_TERMS.get(r.question_id, r.label) for g in groups for r in g.rows if r.negative),
        ruleset_version=model.ruleset_version,
        ruleset_hash=model.ruleset_sha256,
    )
