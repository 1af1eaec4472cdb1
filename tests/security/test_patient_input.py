"""Hostile and odd input to the patient steps: a clear message or a 4xx, never a 500, nothing typed lost."""

from __future__ import annotations

import io
import unicodedata

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.patient import (
    PLAN,
    all_text,
    csrf_of,
    has_security_headers,
    intake_row,
    new_invitation,
    open_link,
    post_page,
    snapshot,
    stored_answers,
    walk_to_review,
)
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.patient.forms import PENDING_MAX_CHARS

CONTROL_MESSAGE = "contains a character that cannot be saved"
TEXT_FIELDS = [q for q in default_questionnaire().questions if q.type in ("text", "longtext")]


def _at(client: FlaskClient, app: Flask, step: str, plan: dict[str, list[str]] = PLAN) -> int:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    walk_to_review(client, plan, stop_before=step)
    return intake_id


def _full_plan_for_texts() -> dict[str, list[str]]:
    """The plan plus the follow-ups that reveal every free-text question."""
    return PLAN | {
        "food_reactions": ["wheat", "other"],
        "food_reactions_other": ["Tomatoes"],
        "diets_tried": ["other"],
        "diets_tried_other": ["Paleo"],
    }


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("height_cm", "tall", "Please enter a number from 50 to 250 (cm)."),
        ("height_cm", "1e309", "Please enter a number from 50 to 250 (cm)."),
        ("height_cm", "NaN", "Please enter a number from 50 to 250 (cm)."),
        ("weight_kg", "9999", "Please enter a number from 20 to 400 (kg)."),
        ("sex_at_birth", "martian", "Please choose one of the options shown."),
        ("date_of_birth", "1974-02-30", "Please enter a real date"),
        ("date_of_birth", "2999-01-01", "Please enter a date between 1900 and today."),
        ("full_name", "z" * 121, "Please shorten this answer to at most 120 characters (it has 121)."),
        ("full_name", "z" * 100_000, "Please shorten this answer to at most 120 characters (it has 100000)."),
    ],
)
def test_bad_values_come_back_with_the_message_and_other_answers_kept(
    app: Flask, client: FlaskClient, field: str, raw: str, message: str
) -> None:
    intake_id = _at(client, app, "bowel_habits")
    response = post_page(client, "/intake/about_you", PLAN | {field: [raw]})
    assert response.status_code == 400 and has_security_headers(response)
    body = response.get_data(as_text=True)
    assert message in body and f'<a href="#f-{field}">' in body and f'id="{field}-e"' in body
    answers = stored_answers(app, intake_id)
    assert field not in answers
    assert answers["weight_change"] == "lost" and answers["symptoms"] == PLAN["symptoms"]  # the rest is kept
    pending = intake_row(app, intake_id).pending_inputs
    assert pending[field] == [raw[:PENDING_MAX_CHARS]]  # nothing typed is lost (within the cap)
    assert len(response.data) < 60 * 1024 or field == "full_name"


def test_nul_bytes_are_a_clear_400_on_every_text_field(app: Flask, client: FlaskClient) -> None:
    plan = _full_plan_for_texts()
    intake_id = _at(client, app, "review", plan)
    assert {q.id for q in TEXT_FIELDS} <= set(stored_answers(app, intake_id)) | {"conditions_other"}
    for question in TEXT_FIELDS:
        url = f"/intake/{question.step}"
        response = post_page(client, url, plan | {question.id: ["a\x00b"]})
        assert response.status_code == 400, question.id
        body = response.get_data(as_text=True)
        assert CONTROL_MESSAGE in body and f'<a href="#f-{question.id}">' in body and "\x00" not in body
        assert intake_row(app, intake_id).pending_inputs[question.id] == ["ab"]
        assert post_page(client, url, plan).status_code == 303  # corrected: the step is finished again
    text = all_text(app)
    assert "\x00" not in text and "\\x00" not in text


def test_nul_and_controls_in_choice_number_names_and_unknown_fields(app: Flask, client: FlaskClient) -> None:
    intake_id = _at(client, app, "your_concern")
    data = PLAN | {
        "sex_at_birth": ["fem\x00ale"],
        "height_cm": ["1\x0065"],
        "evil\x00name": ["x\x00"],
        "unknown_field": ["\x00\x01\x1b"],
    }
    response = post_page(client, "/intake/about_you", data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert '<a href="#f-sex_at_birth">' in body and '<a href="#f-height_cm">' in body
    assert body.count(CONTROL_MESSAGE) == 4  # in the summary and beside each of the two fields
    pending = intake_row(app, intake_id).pending_inputs
    assert pending["sex_at_birth"] == ["female"] and pending["height_cm"] == ["165"]
    assert "unknown_field" not in pending and "evil" not in all_text(app)


def test_emoji_rtl_and_combining_text_are_saved_and_shown_unchanged(app: Flask, client: FlaskClient) -> None:
    intake_id = _at(client, app, "symptoms")
    text = "Cafe\u0301 🧑🏽‍⚕️ \u202eevil\u202c مرحبا שלום 你好"
    response = post_page(client, "/intake/your_concern", {"main_concern": [text], "hopes": ["👍🏿"]})
    assert response.status_code == 303
    expected = unicodedata.normalize("NFC", text)
    assert stored_answers(app, intake_id)["main_concern"] == expected
    shown = client.get("/intake/your_concern").get_data(as_text=True)
    assert expected in shown and "👍🏿" in shown


def test_unknown_fields_are_ignored_and_duplicates_are_an_error(app: Flask, client: FlaskClient) -> None:
    intake_id = _at(client, app, "bowel_habits")
    symptoms = post_page(client, "/intake/symptoms", PLAN | {"symptoms": ["bloating", "bloating"]})
    assert symptoms.status_code == 400 and "Please choose only from the options shown." in symptoms.get_data(as_text=True)
    page = client.get("/intake/about_you")
    data = {
        **PLAN,
        "csrf_token": csrf_of(page),
        "is_admin": "1",
        "intake_id": "999",
        "sex_at_birth": ["female", "male"],
        "weight_change": ["lost", "lost"],
    }
    response = client.post("/intake/about_you", data=data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Please give one answer only." in body
    answers = stored_answers(app, intake_id)
    assert "is_admin" not in answers and "intake_id" not in answers and "sex_at_birth" not in answers


def test_oversize_body_is_a_413_page_and_changes_nothing(app: Flask, client: FlaskClient) -> None:
    intake_id = _at(client, app, "your_concern")
    page = client.get("/intake/your_concern")
    before = snapshot(app, intake_id)
    response = client.post("/intake/your_concern", data={"csrf_token": csrf_of(page), "main_concern": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413 and has_security_headers(response)
    assert "too large" in response.get_data(as_text=True)
    parts = {f"f{i}": "x" for i in range(5000)} | {"csrf_token": csrf_of(page), "upload": (io.BytesIO(b"x"), "x.txt")}
    many = client.post("/intake/your_concern", data=parts, content_type="multipart/form-data")
    assert many.status_code == 413 and has_security_headers(many)
    assert snapshot(app, intake_id) == before


def test_many_urlencoded_parts_are_handled_without_error(app: Flask, client: FlaskClient) -> None:
    _at(client, app, "your_concern")
    page = client.get("/intake/your_concern")
    data = {f"f{i}": "x" for i in range(5000)} | {"csrf_token": csrf_of(page), "main_concern": "ok"}
    assert client.post("/intake/your_concern", data=data).status_code == 303
