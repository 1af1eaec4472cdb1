"""Rendering the patient pages from the question definitions (one Jinja macro per field, no WTForms widgets)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import render_template, url_for

from triage.domain.questionnaire.answers import display_answer
from triage.domain.questionnaire.questions import Question, Questionnaire, Step
from triage.web.patient.fields import Condition, field_views
from triage.web.patient.flow import Progress


@dataclass(frozen=True)
class ReviewGroup:
    """One step on the review page: its answers as the patient reads them and where to change them."""

    step: Step
    rows: list[tuple[str, str]]
    change_url: str


_CONDITIONS: dict[tuple[str, str], dict[str, Condition]] = {}


def same_page_conditions(questionnaire: Questionnaire, step: Step) -> dict[str, Condition]:
    """The follow-ups of a step whose condition is on the same page (JavaScript may show them in place)."""
    key = (questionnaire.version, step.id)
    if key not in _CONDITIONS:
        own = {q.id for q in step.questions}
        found: dict[str, Condition] = {}
        for question in step.questions:
            when = question.shown_when
            if when is not None and when.question in own:
                value = (
                    " ".join(str(v) for v in when.value)
                    if isinstance(when.value, list)
                    else str(when.value if when.value is not None else "")
                )
                found[question.id] = Condition(when.question, when.operator, value)
        _CONDITIONS[key] = found
    return _CONDITIONS[key]


def page_questions(questionnaire: Questionnaire, step: Step, visible: list[Question]) -> tuple[list[Question], set[str]]:
    """The questions to render: the visible ones plus hidden same-page follow-ups, and which are hidden."""
    conditions = same_page_conditions(questionnaire, step)
    shown_ids = {q.id for q in visible}
    rendered: list[Question] = []
    rendered_ids: set[str] = set()
    for question in step.questions:
        condition = conditions.get(question.id)
        if question.id in shown_ids or (condition is not None and condition.question in rendered_ids):
            rendered.append(question)
            rendered_ids.add(question.id)
    return rendered, rendered_ids - shown_ids


def step_url(step: Step) -> str:
    """The URL of a step's page (review has its own)."""
    return url_for("patient.review") if step.is_review else url_for("patient.step", step_id=step.id)


def render_step(
    progress: Progress,
    step: Step,
    visible: list[Question],
    shown: Mapping[str, list[str]],
    errors: Mapping[str, str],
    notice: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """A step's page: progress, error summary, one macro call per question, Continue and Back."""
    questionnaire = progress.questionnaire
    questions, hidden = page_questions(questionnaire, step, visible)
    conditions = same_page_conditions(questionnaire, step)
    number, total = progress.position(step)
    html = render_template(
        "patient/step.html",
        step=step,
        fields=field_views(questions, shown, errors, hidden, conditions),
        has_followups=bool(conditions),
        errors=errors,
        error_labels={qid: questionnaire.by_id[qid].label for qid in errors},
        notice=notice,
        number=number,
        total=total,
        has_back=progress.previous_before(step) is not None,
    )
    return html, status


def review_groups(progress: Progress) -> list[ReviewGroup]:
    """Every answer the patient is asked, grouped by step, with a Change link per step."""
    groups = []
    for step in progress.active_steps():
        if step.is_review:
            continue
        rows = [(q.label, display_answer(q, progress.answers.get(q.id))) for q in progress.visible(step)]
        groups.append(ReviewGroup(step, rows, step_url(step)))
    return groups


def render_review(
    progress: Progress,
    shown: Mapping[str, list[str]],
    errors: Mapping[str, str],
    notice: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The review page: every answer by step, the consent boxes and Send."""
    step = progress.review
    number, total = progress.position(step)
    html = render_template(
        "patient/review.html",
        step=step,
        groups=review_groups(progress),
        fields=field_views(progress.visible(step), shown, errors),
        errors=errors,
        error_labels={qid: progress.questionnaire.by_id[qid].label for qid in errors},
        notice=notice,
        number=number,
        total=total,
    )
    return html, status
