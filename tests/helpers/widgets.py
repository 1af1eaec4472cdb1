"""A small questionnaire with every patient widget, and rendering its fields through the app's own field macro."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html.parser import HTMLParser
from typing import Any

from flask import Flask, render_template_string
from werkzeug.datastructures import MultiDict

from triage.domain.questionnaire.questions import Answer, Question, Questionnaire, parse_questionnaire
from triage.web.patient.fields import field_views, summary_labels
from triage.web.patient.forms import StepReading, read_step

TODAY = dt.date(2026, 12, 1)
SYMPTOMS = [
    {"value": "bloating", "label": "Bloating"},
    {"value": "heartburn", "label": "Heartburn"},
    {"value": "diarrhoea", "label": "Diarrhoea"},
    {"value": "none", "label": "None of these", "exclusive": True},
    {"value": "not_sure", "label": "Not sure", "exclusive": True},
]
BRISTOL = [{"value": str(n), "label": f"Type {n}", "picture": f"bristol-{n}.svg"} for n in range(1, 8)]
COLUMNS = [{"id": "name", "label": "Medicine"}, {"id": "dose", "label": "Dose"}, {"id": "how_often", "label": "How often"}]
DOCUMENT: dict[str, Any] = {
    "version": "widgets-test-1",
    "steps": [
        {
            "id": "about",
            "title": "About you",
            "questions": [
                {
                    "id": "date_of_birth",
                    "type": "date",
                    "label": "What is your date of birth?",
                    "short": "Date of birth",
                    "required": True,
                    "min_age": 16,
                    "max_age": 110,
                },
                {
                    "id": "height_cm",
                    "type": "number",
                    "label": "How tall are you?",
                    "short": "Height",
                    "unit": "cm",
                    "min": 100,
                    "max": 250,
                    "imperial": "feet_inches",
                },
                {
                    "id": "weight_kg",
                    "type": "number",
                    "label": "How much do you weigh?",
                    "short": "Weight",
                    "unit": "kg",
                    "min": 25,
                    "max": 350,
                    "imperial": "stones_pounds",
                },
                {"id": "nickname", "type": "text", "label": "What should we call you?"},
            ],
        },
        {
            "id": "gut",
            "title": "Your symptoms",
            "questions": [
                {
                    "id": "symptoms",
                    "type": "multi",
                    "label": "Which of these do you have?",
                    "required": True,
                    "choices": SYMPTOMS,
                },
                {
                    "id": "bloating_months",
                    "type": "integer",
                    "label": "Bloating",
                    "unit": "months",
                    "min": 0,
                    "max": 600,
                    "compact": True,
                    "required": True,
                    "shown_when": {"question": "symptoms", "includes": "bloating"},
                },
                {"id": "severity", "type": "scale", "label": "How bad is it?", "min": 0, "max": 10, "required": True},
                {"id": "bristol_type", "type": "single", "label": "Which looks most like your stools?", "choices": BRISTOL},
            ],
        },
        {
            "id": "worst",
            "title": "The worst one",
            "questions": [
                {
                    "id": "worst_symptom",
                    "type": "single",
                    "label": "Which bothers you most?",
                    "choices_from": "symptoms",
                    "required": True,
                    "shown_when": {"question": "symptoms", "at_least": 2},
                },
            ],
        },
        {
            "id": "medicines",
            "title": "Medicines",
            "questions": [
                {
                    "id": "current_medicines",
                    "type": "table",
                    "label": "Which medicines do you take?",
                    "columns": COLUMNS,
                    "max_rows": 5,
                },
            ],
        },
        {
            "id": "review",
            "title": "Check and send",
            "review": True,
            "questions": [{"id": "consent_true", "type": "consent", "label": "My answers are true.", "required": True}],
        },
    ],
}
QUESTIONNAIRE: Questionnaire = parse_questionnaire(DOCUMENT, "widgets-test")
PAGE = (
    '{% from "_macros.html" import field, error_summary %}'
    "{{ error_summary(errors, labels) }}{% for f in fields %}{{ field(f) }}{% endfor %}"
)


def questions(*ids: str) -> list[Question]:
    """The small questionnaire's questions with these ids, in that order."""
    return [QUESTIONNAIRE.by_id[qid] for qid in ids]


def render(
    app: Flask,
    page: Sequence[Question],
    shown: Mapping[str, Sequence[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    answers: Mapping[str, Answer] | None = None,
    hidden: frozenset[str] = frozenset(),
) -> str:
    """The error summary and the fields of one page, rendered by templates/_macros.html in the app's Jinja env."""
    errors = errors or {}
    fields = field_views(page, shown or {}, errors, hidden, answers=answers)
    with app.test_request_context("/"):
        return render_template_string(PAGE, fields=fields, errors=errors, labels=summary_labels(QUESTIONNAIRE.by_id, errors))


def post(step_id: str, form: Mapping[str, str | list[str]], stored: Mapping[str, Answer] | None = None) -> StepReading:
    """What posting these boxes to a step of the small questionnaire means (the StepForm's own reading)."""
    data: MultiDict[str, str] = MultiDict()
    for name, value in form.items():
        for one in [value] if isinstance(value, str) else value:
            data.add(name, one)
    return read_step(QUESTIONNAIRE, QUESTIONNAIRE.step(step_id), data, stored or {}, today=TODAY)


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the text of each label and legend."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.texts: dict[str, list[str]] = {"label": [], "legend": [], "a": [], "p": []}
        self._open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the tag; start collecting text for labels, legends, links and paragraphs."""
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in self.texts:
            self._open.append(tag)
            self.texts[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        """Stop collecting text for the element just closed."""
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        """Add text to every element being collected."""
        for tag in self._open:
            self.texts[tag][-1] += data

    def inputs(self) -> dict[str, dict[str, str]]:
        """Every input by its id (or name=value when it has no id)."""
        return {a.get("id") or f"{a.get('name')}={a.get('value')}": a for t, a in self.tags if t == "input"}

    def all(self, tag: str) -> list[dict[str, str]]:
        """The attributes of every element with this tag."""
        return [a for t, a in self.tags if t == tag]


def elements(html: str) -> Elements:
    """The page parsed into its start tags and texts."""
    return Elements(html)
