"""Property test: random field maps posted to every step give 200/303/400/413 and never lose earlier answers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from tests.helpers.patient import (
    REVIEW_URL,
    csrf_of,
    db_session,
    intake_row,
    new_invitation,
    open_link,
    stored_answers,
    walk_to_review,
)
from triage import create_app
from triage.db import intakes as queries
from triage.db.models import Answer, Intake
from triage.domain.questionnaire.questions import Question, default_questionnaire
from triage.web.patient.flow import PROGRESS_KEY, effective_answers

QUESTIONNAIRE = default_questionnaire()
STEPS = [s.id for s in QUESTIONNAIRE.steps]
DATE_PARTS = ("day", "month", "year")
CHOICE_VALUES = sorted({c.value for q in QUESTIONNAIRE.questions for c in q.choices})
ODD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x1b[31m",
    "\u202e",
    "\u202eevil",
    "🧑🏽‍⚕️",
    "e\u0301",
    "-1",
    "1e309",
    "NaN",
    "inf",
    "0",
    "10",
    "3.5",
    "99999999999999999999999",
    "1974-02-30",
    "1974-03-21",
    "yes",
    "on",
    "true",
    "none",
    "\ufeff",
    "٣",
]
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(ODD),
    st.sampled_from(CHOICE_VALUES),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.just("x" * 100_000),
)


def posted_names(question: Question) -> list[str]:
    """The box names a question is posted under (date parts, imperial boxes, table cells), else its own name."""
    qid = question.id
    if question.type == "date":
        return [qid, *(f"{qid}-{part}" for part in DATE_PARTS)]
    if question.type == "number" and question.imperial:
        return [qid, f"{qid}-major", f"{qid}-minor"]
    if question.type == "table":
        return [f"{qid}-{row}-{column.id}" for row in range(question.max_rows) for column in question.columns]
    return [qid]


def typed_into(question: Question, fields: dict[str, list[str]]) -> bool:
    """Whether a question's boxes got more than white space (a date's one string only without its boxes)."""
    names = posted_names(question)
    if question.type == "date" and any(name in fields for name in names[1:]):
        names = names[1:]
    return any(v.strip() for name in names for v in fields.get(name, []))


def field_maps(step_id: str) -> st.SearchStrategy[dict[str, list[str]]]:
    """Random posted fields for one step: its own boxes, strangers, duplicates and missing ones."""
    own = [name for q in QUESTIONNAIRE.step(step_id).questions for name in posted_names(q)]
    names = st.one_of(st.sampled_from(own), st.text(max_size=12), st.sampled_from(["csrf_token", "action", "_js", "intake_id"]))
    return st.dictionaries(names, st.lists(values, max_size=3), max_size=10)


def _reset(app: Flask, intake_id: int, baseline: dict[str, Any]) -> None:
    """Put the intake back to a finished questionnaire (every step done, all answers) before each example."""
    with db_session(app) as session:
        session.execute(delete(Answer).where(Answer.intake_id == intake_id))
        intake = session.get(Intake, intake_id)
        assert intake is not None
        intake.pending_inputs = {}
        queries.save_step(session, intake, baseline, {PROGRESS_KEY: [s for s in STEPS if s != "review"]})


def test_random_posts_never_fail_or_lose_answers(sqlite_url: str, tmp_path: Path) -> None:
    os.environ.setdefault("TRIAGE_INSTANCE", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_url, "SECRET_KEY": "fuzz-secret-key-long-enough-0123456789"})
    client: FlaskClient = app.test_client()
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client)
    baseline = stored_answers(app, intake_id)
    csrf = csrf_of(client.get(REVIEW_URL))

    @settings(
        max_examples=120,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(step_id=st.sampled_from(STEPS), data=st.data(), with_csrf=st.sampled_from([True, True, True, False]))
    def check(step_id: str, data: st.DataObject, with_csrf: bool) -> None:
        _reset(app, intake_id, baseline)
        fields = data.draw(field_maps(step_id))
        if step_id == "review":  # never submit: this test is about saving, not sending
            fields = {k: v for k, v in fields.items() if not k.startswith("consent_")}
        posted: dict[str, Any] = dict(fields)
        if with_csrf:
            posted["csrf_token"] = csrf
        url = REVIEW_URL if step_id == "review" else f"/intake/{step_id}"
        response = client.post(url, data=posted)
        assert response.status_code in {200, 303, 400, 413}, (response.status_code, response.get_data(as_text=True)[:500])
        after = stored_answers(app, intake_id)
        pending = intake_row(app, intake_id).pending_inputs
        step_questions = {q.id for q in QUESTIONNAIRE.step(step_id).questions}
        for qid, value in baseline.items():
            if qid not in step_questions:
                assert after.get(qid) == value, qid  # answers of every other step are untouched
        if not with_csrf or response.status_code == 413:
            assert after == baseline
            return
        effective = effective_answers(QUESTIONNAIRE, after)
        for question in QUESTIONNAIRE.step(step_id).questions:
            if typed_into(question, fields) and question.is_shown(effective):
                assert question.id in after or question.id in pending, question.id  # whatever was typed is stored or kept

    try:
        check()
    finally:
        app.extensions["triage_db"].dispose()
