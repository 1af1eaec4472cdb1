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
from triage.domain.report.history import alarm_answers, history_paragraph, severity_of
from triage.domain.report.medicines import CurrentMedicine, Medicine, allergies, current_medicines, medicines
from triage.domain.report.phrases import ALARM_TERMS, SYMPTOM_TERMS, WARNING_SIGNS
from triage.domain.report.text_safety import safe_answers
from triage.domain.report.words import choice_label, choices, duration
from triage.domain.scales import Urgency

__all__ = [
    "AnswerRow",
    "CurrentMedicine",
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

# The warning-signs section: version 1's alarm step (each v1 step is its own section) and version 2's section.
ALARM_SECTIONS = ("alarm_symptoms", "warning_signs")
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
    """The answers of one questionnaire step, with the id of the section the step belongs to."""

    id: str
    title: str
    rows: tuple[AnswerRow, ...]
    section: str = ""


@dataclass(frozen=True)
class Severity:
    """A symptom's worst severity (0-10, for the chart), with how often and for how long."""

    label: str
    value: int
    frequency: str = ""
    duration: str = ""


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
    current_medicines: tuple[CurrentMedicine, ...]
    allergies: str
    allergy_details: str
    groups: tuple[StepGroup, ...]
    negatives: tuple[str, ...]
    ruleset_version: str
    ruleset_hash: str
    # The derived facts' version that computed what the rules read (None: a result stored before it was recorded).
    derived_facts_version: int | None = None

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
            # "No" to an alarm question, or "None of these" in a list of warning signs, is a pertinent negative.
            negative = step.section in ALARM_SECTIONS and (value in NEGATIVE_VALUES or value == ["none"])
            rows.append(AnswerRow(question.id, question.label, display_answer(question, value), negative))
        if rows:
            groups.append(StepGroup(step.id, step.title, tuple(rows), step.section))
    extra = [AnswerRow(k, k, shown_value(questionnaire, k, v)) for k, v in sorted(answers.items()) if k not in seen]
    if extra:
        groups.append(StepGroup("other", "Answers to questions not in this questionnaire version", tuple(extra)))
    return tuple(groups)


def severities(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> tuple[Severity, ...]:
    """Each chosen symptom's worst severity (0-10) with frequency and duration, most severe first.

    Version 1 asked every symptom's severity; version 2 asks the worst symptom's only, so it has one bar.
    """
    items = []
    found = severity_of(answers)
    for symptom in choices(answers, "symptoms"):
        value = found.get(symptom)
        if value is not None:
            frequency = choice_label(questionnaire, f"{symptom}_frequency", answers.get(f"{symptom}_frequency"))
            span = duration(answers.get(f"{symptom}_months"))
            items.append(Severity(SYMPTOM_TERMS.get(symptom, symptom).capitalize(), max(0, min(10, value)), frequency, span))
    return tuple(sorted(items, key=lambda s: -s.value))


def _patient(questionnaire: Questionnaire, a: Mapping[str, Answer], on: dt.date) -> Patient:
    age = derive_facts(a, on)["age_years"]
    return Patient(
        name=text_of(a.get("full_name")),
        date_of_birth=text_of(a.get("date_of_birth")),
        age=age if isinstance(age, int) else None,
        sex=choice_label(questionnaire, "sex_at_birth", a.get("sex_at_birth")),
    )


def _negatives(answers: Mapping[str, Answer], groups: tuple[StepGroup, ...]) -> tuple[str, ...]:
    """Alarm features answered no: their own questions' rows, then those left unticked in version 2's warning-signs list."""
    rows = [r for g in groups for r in g.rows if r.negative]
    if WARNING_SIGNS not in answers:
        return tuple(ALARM_TERMS.get(r.question_id, r.label) for r in rows)
    denied = [ALARM_TERMS[q] for q, v in alarm_answers(answers).items() if v == "no"]
    return tuple(denied + [r.label for r in rows if r.question_id not in (*ALARM_TERMS, WARNING_SIGNS)])


def build_report(questionnaire: Questionnaire, answers: Mapping[str, Answer], result: Mapping[str, Any], on: dt.date) -> Report:
    """The whole report for one intake and one stored result, as of the intake date."""
    # Patient text enters the staff page and the PDF here, and only here: bidi overrides go before anything is built.
    answers = safe_answers(answers)
    model = read_result(result)
    flags, differentials = result_parts(questionnaire, model)
    groups = answer_groups(questionnaire, answers)
    allergy, allergy_details = allergies(questionnaire, answers)
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
        current_medicines=current_medicines(answers),
        allergies=allergy,
        allergy_details=allergy_details,
        groups=groups,
        negatives=_negatives(answers, groups),
        ruleset_version=model.ruleset_version,
        ruleset_hash=model.ruleset_sha256,
        derived_facts_version=model.derived_facts_version,
    )
