"""Clinicians' coded feedback reaches the rules editors: counts by reason per differential, per ruleset version."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.helpers.apps import csrf_token
from tests.helpers.rules_editor import newest_evaluation, submit_intake, text_of
from triage.db.models import Evaluation
from triage.domain.governance.feedback_counts import COLUMNS

GLUTEN = {"eats_gluten": True, "known_anaemia": "iron_deficiency"}


def give(clinician: FlaskClient, intake_id: int, evaluation_id: int, differential: str, verdict: str) -> None:
    """Post one verdict on one differential as the intake page's form does."""
    token = csrf_token(clinician.get(f"/clinic/intakes/{intake_id}").data)
    data = {"csrf_token": token, "evaluation_id": str(evaluation_id), "differential_id": differential, "verdict": verdict}
    assert clinician.post(f"/clinic/intakes/{intake_id}/feedback", data=data | {"reason": ""}).status_code in (302, 303)


def row_of(page: str, differential: str) -> list[str]:
    """The cells of one differential's row in the counts table."""
    found = re.search(rf'<tr id="fb-{differential}">(.*?)</tr>', page, re.S)
    assert found, differential
    return re.findall(r"<td>(\d+)</td>", found.group(1))


def test_counts_by_reason_per_differential_over_every_version_or_one(app: Flask, staff_login: Callable[..., Any]) -> None:
    clinician = app.test_client()
    staff_login(clinician, roles=("clinician",))
    intakes = [submit_intake(app, f"FB-{n}", GLUTEN, dt.date.today()) for n in range(3)]
    evaluations = [newest_evaluation(app, i) for i in intakes]
    give(clinician, intakes[0], evaluations[0].id, "celiac_disease", "agree")
    give(clinician, intakes[1], evaluations[1].id, "celiac_disease", "not_relevant")
    give(clinician, intakes[2], evaluations[2].id, "celiac_disease", "not_relevant")
    with app.extensions["triage_db"].session() as session:  # the third intake was evaluated under an older version
        session.execute(update(Evaluation).where(Evaluation.id == evaluations[2].id).values(ruleset_version="2026.0"))
    current = evaluations[0].ruleset_version

    editor = app.test_client()
    staff_login(editor, roles=("rules_editor",))
    page = editor.get("/rules/feedback").get_data(as_text=True)
    labels = [label for _k, label in COLUMNS]
    agree, not_relevant = labels.index("Agree"), labels.index("Not relevant for this patient")
    cells = row_of(page, "celiac_disease")
    assert (cells[agree], cells[not_relevant], cells[-1]) == ("1", "2", "3")
    assert f'<option value="{current}"' in page and '<option value="2026.0"' in page
    one = editor.get(f"/rules/feedback?version={current}").get_data(as_text=True)
    assert (row_of(one, "celiac_disease")[not_relevant], row_of(one, "celiac_disease")[-1]) == ("1", "2")
    assert f"for intakes evaluated with ruleset {current}" in html.unescape(
        text_of(editor.get(f"/rules/feedback?version={current}"))
    )
    unknown = editor.get("/rules/feedback?version=1999.1")
    assert unknown.status_code == 400 and "“Ruleset version”: no feedback was given under that version." in html.unescape(
        text_of(unknown)
    )
    index = html.unescape(text_of(editor.get("/rules/")))
    assert "Clinicians' feedback on Coeliac disease: 1 agree; Not relevant for this patient 2." in index
    assert clinician.get("/rules/feedback").status_code == 403  # the rules area stays the editors'
