"""A step's grid on the patient's page, on SQLite and PostgreSQL: one fieldset whose legend is the step's intro.

The four mood questions are rows of radio buttons under one line of column headings (hidden from screen readers,
since every button carries its own name); the months of each gut symptom are compact rows of boxes. "(optional)" is
said once, on the legend; a refused row keeps its message beside it and its link in the error summary.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.patient import PLAN, csrf_of, field_names, new_invitation, open_link, plan_data, walk_to_review
from tests.helpers.widgets import elements
from triage.domain.questionnaire.questions import default_questionnaire

MOOD = ("phq_interest", "phq_down", "gad_nervous", "gad_worry")


def _open_step(app: Flask, client: FlaskClient, step_id: str) -> str:
    """A new patient's page of this step, every earlier step answered from the plan."""
    token, _intake = new_invitation(app)
    open_link(client, token)
    walk_to_review(client, stop_before=step_id)
    page = client.get(f"/intake/{step_id}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _grid(body: str, step_id: str) -> str:
    found = re.search(rf'<div class="q grid[^"]*" id="grid-{step_id}">.*?</fieldset>\s*</div>', body, re.S)
    assert found, f"no grid on {step_id}"
    return found.group(0)


def test_the_mood_questions_are_one_grid_of_radio_rows_under_one_line_of_headings(app: Flask, client: FlaskClient) -> None:
    body = _open_step(app, client, "history")
    step = default_questionnaire().step("history")
    grid = elements(_grid(body, "history"))
    assert grid.texts["legend"] == [f"{step.intro} (optional)"]
    assert body.count(step.intro) == 1  # the legend, not also an intro above the questions
    head = re.search(r'<div class="mhead" aria-hidden="true">(.*?)</div>', body, re.S)
    assert head and re.findall(r"<span>([^<]+)</span>", head.group(1)) == [c.label for c in step.grid_choices]
    groups = grid.all("div")
    labelled = [g["aria-labelledby"] for g in groups if g.get("role") == "radiogroup"]
    assert labelled == [f"{qid}-l" for qid in MOOD]
    assert [p.strip() for p in grid.texts["p"]] == [default_questionnaire().by_id[qid].label for qid in MOOD]
    radios = [a for a in grid.all("input") if a.get("name") == "phq_interest"]
    assert [r["value"] for r in radios] == ["0", "1", "2", "3"] and radios[0]["id"] == "f-phq_interest"
    assert [t.strip() for t in grid.texts["label"][:4]] == [c.label for c in step.grid_choices]  # each button's own name
    assert "(optional)" not in "".join(grid.texts["p"])
    assert 'href="/static/css/patient-grid.css"' in body


def test_the_months_of_each_symptom_are_one_grid_of_compact_rows(app: Flask, client: FlaskClient) -> None:
    body = _open_step(app, client, "symptom_details")
    grid = _grid(body, "symptom_details")
    assert re.findall(r'<div class="q compact" id="q-(\w+)">', grid) == ["abdominal_pain_months", "bloating_months"]
    assert "(optional)" not in grid.split("</legend>", 1)[1]
    assert body.index("grid-symptom_details") < body.index('id="q-abdominal_pain_frequency"')
    assert 'class="intro"' not in body


def test_a_page_without_a_grid_does_not_load_its_styles(app: Flask, client: FlaskClient) -> None:
    token, _intake = new_invitation(app)
    open_link(client, token)
    body = client.get("/intake/about_you").get_data(as_text=True)
    assert "patient-grid.css" not in body and 'class="q grid' not in body


def test_a_refused_row_keeps_its_message_beside_it_and_in_the_error_summary(app: Flask, client: FlaskClient) -> None:
    _open_step(app, client, "history")
    page = client.get("/intake/history")
    data = plan_data(field_names(page), PLAN | {"phq_down": ["9"]}, csrf_of(page))
    refused = client.post("/intake/history", data=data)
    assert refused.status_code == 303 and refused.location.endswith("/intake/history")
    body = client.get(refused.location).get_data(as_text=True)
    row = re.search(r'<div class="q mrow q-error" id="q-phq_down">.*?</label></div>', body, re.S)
    assert row, "the refused row is not marked"
    group = elements(row.group(0)).all("div")[1]
    assert group["aria-invalid"] == "true" and "phq_down-e" in group["aria-describedby"].split()
    assert '<p class="error" id="phq_down-e">' in row.group(0)
    assert re.search(r'<a href="#f-phq_down">[^<]+</a>', body)
    checked = re.findall(r'name="(\w+)" value="(\w+)"[^>]* checked', _grid(body, "history"))
    assert ("phq_interest", "1") in checked  # the rows that were fine keep what was picked
