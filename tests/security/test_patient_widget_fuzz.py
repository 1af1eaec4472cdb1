"""Property tests: random values in the date, imperial and table boxes never fail a page and never lose what was typed."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import delete

from tests.helpers.patient import csrf_of, db_session, intake_row, new_invitation, open_link, stored_answers
from tests.helpers.widgets import QUESTIONNAIRE, post, render
from triage import create_app
from triage.db.models import Answer, Intake
from triage.domain.questionnaire.questions import Question, default_questionnaire
from triage.web.patient.forms import box_names, storable

ODD = ["", " ", "\x00", "a\x00b", "\u202e", "\ufeff", "\u200b", "٣", "５", "e\u0301", "🧑🏽‍⚕️", "-1", "0", "00", "1e309", "NaN",
       "3.5", "5'10", "31", "29", "02", "12", "13", "feb", "Sept", "September", "mai", "1981", "81", "19811", "0001",
       "99999999999999999999", "<b>x</b>", '" onfocus="x', "x" * 12_000]  # fmt: skip
box_values = st.one_of(st.sampled_from(ODD), st.text(max_size=12), st.integers(-(10**6), 10**6).map(str))
SETTINGS = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def widget_questions(questions: Sequence[Question]) -> list[Question]:
    """The questions drawn as many boxes (date parts, metric and imperial units, table cells)."""
    return [q for q in questions if box_names(q) is not None]


def plausible(question: Question) -> st.SearchStrategy[dict[str, list[str]]]:
    """Boxes as a patient fills them in (mostly valid): a real date, one height or weight, named medicines."""
    names = box_names(question) or []
    if question.type == "date":
        parts = [
            st.integers(1, 28).map(str),
            st.sampled_from(["3", "03", "March", "mar", "12"]),
            st.integers(1920, 2005).map(str),
        ]
        return st.tuples(*parts).map(lambda day_month_year: {n: [v] for n, v in zip(names, day_month_year, strict=True)})
    if question.type == "table":
        cells = st.lists(st.sampled_from(["Omeprazole", "20 mg", "", "once a day"]), min_size=len(names), max_size=len(names))
        return cells.map(lambda values: {n: [v] for n, v in zip(names, values, strict=True) if v})
    metric = st.integers(30, 200).map(lambda n: {names[0]: [str(n)]})
    imperial = st.tuples(st.integers(4, 6), st.integers(0, 11)).map(lambda ab: {names[1]: [str(ab[0])], names[2]: [str(ab[1])]})
    return st.one_of(metric, imperial)


def boxes_of(questions: Sequence[Question]) -> st.SearchStrategy[dict[str, list[str]]]:
    """Random posted boxes of these questions: each box blank, typed once or (rarely) twice, or filled in plausibly."""
    one_box: st.SearchStrategy[list[str]] = st.one_of(
        st.just([]), st.lists(box_values, min_size=1, max_size=1), st.lists(box_values, max_size=2)
    )

    def one_question(question: Question) -> st.SearchStrategy[dict[str, list[str]]]:
        odd = st.fixed_dictionaries({name: one_box for name in box_names(question) or []})
        return st.one_of(odd, plausible(question))

    return st.tuples(*(one_question(q) for q in questions)).map(lambda parts: {k: v for part in parts for k, v in part.items()})


def expected_raw(question: Question, posted: dict[str, list[str]]) -> list[str]:
    """What the spec says is kept for a question: its boxes in order (a box posted twice: both, space-joined)."""
    raw = [" ".join(posted.get(name, [])) for name in box_names(question) or []]
    width = len(question.columns) if question.type == "table" else 0
    while width and raw and not any(v.strip() for v in raw[-width:]):
        del raw[-width:]  # a table's trailing blank rows are not kept
    return [storable(v) for v in raw]


def typed(values: list[str]) -> bool:
    """Whether anything but white space is in these boxes."""
    return any(v.strip() for v in values)


def test_random_boxes_are_stored_or_kept_and_shown_back_exactly(sqlite_url: str, tmp_path: Path) -> None:
    os.environ.setdefault("TRIAGE_INSTANCE", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_url, "SECRET_KEY": "fuzz-secret-key-long-enough-0123456789"})

    @SETTINGS
    @given(step_id=st.sampled_from(["about", "medicines"]), data=st.data())
    def check(step_id: str, data: st.DataObject) -> None:
        page = list(QUESTIONNAIRE.step(step_id).questions)
        posted = data.draw(boxes_of(widget_questions(page)))
        reading = post(step_id, posted)
        shown_page = render(app, page, reading.shown, reading.errors)
        for question in widget_questions(page):
            raw = expected_raw(question, posted)
            if question.id in reading.errors:
                assert reading.shown[question.id] == raw, question.id
                assert reading.pending.get(question.id, raw) == raw
                for value in raw:
                    assert f'value="{escape(value)}"' in shown_page, (question.id, value)
            elif typed(raw):
                assert reading.values[question.id] is not None, (question.id, raw)  # typed, so stored or kept

    try:
        check()
    finally:
        app.extensions["triage_db"].dispose()


def _reset(app: Flask, intake_id: int) -> None:
    with db_session(app) as session:
        session.execute(delete(Answer).where(Answer.intake_id == intake_id))
        intake = session.get(Intake, intake_id)
        assert intake is not None
        intake.pending_inputs = {}
        session.commit()


def test_random_boxes_posted_to_the_first_page_never_fail_and_come_back(sqlite_url: str, tmp_path: Path) -> None:
    os.environ.setdefault("TRIAGE_INSTANCE", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_url, "SECRET_KEY": "fuzz-secret-key-long-enough-0123456789"})
    client: FlaskClient = app.test_client()
    token, intake_id = new_invitation(app)
    open_link(client, token)
    first = default_questionnaire().steps[0]
    url = f"/intake/{first.id}"
    widgets = widget_questions(first.questions)
    assert widgets, "the first page has a date of birth"
    csrf = csrf_of(client.get(url))

    @settings(SETTINGS, max_examples=60)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        _reset(app, intake_id)
        posted = data.draw(boxes_of(widgets))
        form: dict[str, Any] = {name: values for name, values in posted.items() if values}
        response = client.post(url, data={**form, "csrf_token": csrf, "action": "next"})
        assert response.status_code in {200, 303, 400, 413}, (response.status_code, response.get_data(as_text=True)[:500])
        if response.status_code == 413:
            return
        stored = stored_answers(app, intake_id)
        pending = intake_row(app, intake_id).pending_inputs or {}
        again = client.get(url)
        assert again.status_code == 200, again.status_code
        page = again.get_data(as_text=True)
        for question in widgets:
            raw = expected_raw(question, posted)
            if question.id in pending:
                assert pending[question.id] == raw, question.id
                for value in raw:
                    assert f'value="{escape(value)}"' in page, (question.id, value)
            elif typed(raw):
                assert question.id in stored, (question.id, raw)

    try:
        check()
    finally:
        app.extensions["triage_db"].dispose()
