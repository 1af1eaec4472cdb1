"""Rendering the patient pages from the question definitions (one Jinja macro per field, no WTForms widgets)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from flask import render_template, url_for
from flask_babel import format_date

from triage.domain.questionnaire.questions import Question, Questionnaire, Step
from triage.domain.questionnaire.values import Answer
from triage.web.i18n import SOURCE_LANGUAGE
from triage.web.patient.fields import FieldView, field_views, link_label, summary_labels
from triage.web.patient.flow import Progress
from triage.web.patient.followups import page_questions, same_page_conditions, same_page_followups
from triage.web.patient.forms import pending_errors
from triage.web.patient.grids import Item, page_items, shows_intro
from triage.web.patient.translate import (
    N_,
    answer_in_language,
    gettext,
    language,
    question_in_language,
    step_in_language,
    text,
    translate_message,
)

# The query parameter (and hidden field) of a step opened with a review page's Change link.
FROM_FIELD = "from"
FROM_REVIEW = "review"
# Under the answers the invitation gives (shown on the page, not asked): where they come from, and what to do if wrong.
GIVEN_NOTE = N_("From your invitation. If something is wrong, please tell your clinic.")


@dataclass(frozen=True)
class ReviewRow:
    """One answer on the review page: the question's name, the answer as the patient reads it, where to change it."""

    question_id: str
    label: str
    answer: str
    change_url: str


@dataclass(frozen=True)
class GivenLine:
    """One answer the invitation gives, as the page shows it: the question's label and the answer."""

    question_id: str
    label: str
    answer: str


@dataclass(frozen=True)
class GivenBlock:
    """The answers the invitation gives on one page, drawn together as text with one note (they are not asked)."""

    lines: tuple[GivenLine, ...]
    note: str


@dataclass(frozen=True)
class ReviewGroup:
    """One section on the review page with its answers."""

    section_id: str
    title: str
    rows: list[ReviewRow]


def step_url(step: Step, from_review: bool = False) -> str:
    """The URL of a step's page (review has its own); `from_review` marks a change made from the review page."""
    if step.is_review:
        return url_for("patient.review")
    marked: dict[str, Any] = {FROM_FIELD: FROM_REVIEW} if from_review else {}
    return url_for("patient.step", step_id=step.id, **marked)


def page_errors(progress: Progress, visible: list[Question], checked: Mapping[str, str] | None) -> dict[str, str]:
    """The messages of a page, in page order: those of its refused Continue (`checked`), else of kept raw inputs."""
    kept = pending_errors(visible, progress.pending)
    errors: dict[str, str] = {}
    for question in visible:
        if checked is not None and question.id in checked:
            errors[question.id] = checked[question.id]
        elif question.id in kept:
            errors[question.id] = kept[question.id]
    return errors


def _progress_parts(progress: Progress, step: Step) -> dict[str, object]:
    number, total, title = progress.section_position(step)
    return {"number": number, "total": total, "section_title": text(title)}


def _shown_errors(questionnaire: Questionnaire, errors: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The page's messages and the error summary's link names, in the patient's language."""
    shown = {qid: translate_message(message) for qid, message in errors.items()}
    named = {qid: question_in_language(q, questionnaire) for qid, q in questionnaire.by_id.items() if qid in errors}
    return shown, summary_labels(named, errors)


def render_step(
    progress: Progress,
    step: Step,
    visible: list[Question],
    shown: Mapping[str, list[str]],
    errors: Mapping[str, str],
    notice: str | None = None,
    status: int = 200,
    from_review: bool = False,
    known: Mapping[str, Answer] | None = None,
) -> tuple[str, int]:
    """A step's page: section progress, error summary, one macro call per question (or grid), Continue and Back.

    `known` are the answers the invitation gives: drawn as text where their questions would be, not asked.
    """
    questionnaire = progress.questionnaire
    questions, hidden = page_questions(questionnaire, step, visible, progress.answers)
    conditions = same_page_conditions(questionnaire, step, progress.answers)
    messages, labels = _shown_errors(questionnaire, errors)
    questions = [question_in_language(q, questionnaire) for q in questions]
    fields = field_views(questions, shown, messages, hidden, conditions, answers=progress.answers)
    shown_step = step_in_language(step, questionnaire)
    html = render_template(
        "patient/step.html",
        step=shown_step,
        items=with_given(page_items(shown_step, fields), known or {}),
        show_intro=shows_intro(shown_step),
        has_followups=bool(same_page_followups(questionnaire, step)),
        errors=messages,
        error_labels=labels,
        notice=notice,
        first_step=progress.previous_before(step) is None,
        from_review=from_review,
        from_field=FROM_FIELD,
        from_value=FROM_REVIEW,
        **_progress_parts(progress, step),
    )
    return html, status


def with_given(items: list[Item], known: Mapping[str, Answer]) -> list[Item | GivenBlock]:
    """The page's items with the questions the invitation answers taken out and drawn as one block where the first was."""
    given = [item.spec.q for item in items if isinstance(item, FieldView) and item.spec.q.id in known]
    if not given:
        return list(items)
    block = GivenBlock(tuple(GivenLine(q.id, q.label, review_answer(q, known[q.id])) for q in given), gettext(GIVEN_NOTE))
    shown: list[Item | GivenBlock] = []
    for item in items:
        if not (isinstance(item, FieldView) and item.spec.q in given):
            shown.append(item)
        elif item.spec.q is given[0]:
            shown.append(block)
    return shown


def _change_url(step: Step, question: Question, known: Collection[str] = ()) -> str:
    if question.id in known:
        return ""  # the invitation gives it: the form does not ask it, so there is nothing to change there
    marked: dict[str, Any] = {FROM_FIELD: FROM_REVIEW}
    return url_for("patient.step", step_id=step.id, _anchor=f"q-{question.id}", **marked)


def review_answer(question: Question, value: Any) -> str:
    """An answer as the patient reads it back: a date in words ("1 May 1970"), as they typed it in three boxes."""
    if question.type == "date" and isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return answer_in_language(question, value)
        if language() == SOURCE_LANGUAGE:
            return f"{day.day} {day:%B} {day.year}"
        return str(format_date(day, "long"))  # in the language's own way, month named: "1 de mayo de 1970", "1 maja 1970"
    return answer_in_language(question, value)


def review_groups(progress: Progress, known: Collection[str] = ()) -> list[ReviewGroup]:
    """Every answer the patient is asked, grouped by section, each with its own Change link (none for `known` ones)."""
    groups: list[ReviewGroup] = []
    for step in progress.active_steps():
        if step.is_review:
            continue
        _number, section = progress.questionnaire.section_of(step)
        shown = [question_in_language(q, progress.questionnaire) for q in progress.visible(step)]
        rows = [
            ReviewRow(q.id, link_label(q), review_answer(q, progress.answers.get(q.id)), _change_url(step, q, known))
            for q in shown
        ]
        if groups and groups[-1].section_id == section.id:
            groups[-1].rows.extend(rows)
        else:
            groups.append(ReviewGroup(section.id, text(section.title), rows))
    return groups


def render_review(
    progress: Progress,
    shown: Mapping[str, list[str]],
    errors: Mapping[str, str],
    notice: str | None = None,
    status: int = 200,
    known: Collection[str] = (),
) -> tuple[str, int]:
    """The review page ("Check your answers"): every answer with a Change link, the consent boxes and Send.

    An answer the invitation gives (`known`) has no Change link: the form does not ask it.
    """
    step = progress.review
    questionnaire = progress.questionnaire
    messages, labels = _shown_errors(questionnaire, errors)
    visible = [question_in_language(q, questionnaire) for q in progress.visible(step)]
    html = render_template(
        "patient/review.html",
        step=step_in_language(step, questionnaire),
        groups=review_groups(progress, known),
        fields=field_views(visible, shown, messages, answers=progress.answers),
        errors=messages,
        error_labels=labels,
        notice=notice,
        **_progress_parts(progress, step),
    )
    return html, status
