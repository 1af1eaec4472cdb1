"""Hostile and odd input to the patient steps: a clear message or a 4xx, never a 500, nothing typed lost."""

from __future__ import annotations

import io
import unicodedata

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.patient import (
    PLAN,
    all_text,
    csrf_of,
    field_names,
    has_security_headers,
    intake_row,
    new_invitation,
    open_link,
    plan_data,
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
        "triggers": ["fatty_meals", "other"],
        "triggers_other": ["Tomatoes"],
        "diets_tried": ["other"],
        "diets_tried_other": ["Paleo"],
        "conditions": ["other"],
        "conditions_other": ["Appendix out in 1990"],
    }


def _refused(client: FlaskClient, url: str, response: TestResponse) -> str:
    """A refused post: a 303 back to the same step (Post/Redirect/Get); the body of the page it leads to."""
    assert response.status_code == 303 and response.location == url, (response.status_code, response.location)
    assert has_security_headers(response)
    page = client.get(url)
    assert page.status_code == 200 and has_security_headers(page)
    return page.get_data(as_text=True)


def _boxes_shown(body: str, shown: dict[str, str]) -> bool:
    """Whether every text box named shows back what was typed in it."""
    return all(f'name="{name}" value="{value}"' in body for name, value in shown.items())


_NO_DATE_BOXES: dict[str, list[str] | None] = {f"date_of_birth-{part}": None for part in ("day", "month", "year")}
_HEIGHT = "Please enter a number from 50 to 250 (cm), or from 1 ft 8 in to 8 ft 2 in."
_DATE_BOXES = ("date_of_birth-day", "date_of_birth-month", "date_of_birth-year")


def _date(day: str, month: str, year: str) -> dict[str, list[str] | None]:
    """The three date-of-birth boxes as posted."""
    return dict(zip(_DATE_BOXES, ([day], [month], [year]), strict=True))


@pytest.mark.parametrize(
    ("field", "boxes", "kept", "shown", "message"),
    [
        ("height_cm", {"height_cm": ["tall"]}, ["tall", "", ""], {"height_cm": "tall"}, _HEIGHT),
        ("height_cm", {"height_cm": ["1e309"]}, ["1e309", "", ""], {"height_cm": "1e309"}, _HEIGHT),
        ("height_cm", {"height_cm": ["NaN"]}, ["NaN", "", ""], {"height_cm": "NaN"}, _HEIGHT),
        (
            "height_cm",
            {"height_cm": [""], "height_cm-major": ["tall"], "height_cm-minor": ["4"]},
            ["", "tall", "4"],
            {"height_cm-major": "tall", "height_cm-minor": "4"},
            _HEIGHT,
        ),
        (
            "weight_kg",
            {"weight_kg": ["9999"]},
            ["9999", "", ""],
            {"weight_kg": "9999"},
            "Please enter a number from 20 to 400 (kg), or from 3 st 3 lb to 62 st 13 lb.",
        ),
        ("sex_at_birth", {"sex_at_birth": ["martian"]}, ["martian"], {}, "Please choose one of the options shown."),
        (
            "date_of_birth",
            _date("30", "2", "1974"),
            ["30", "2", "1974"],
            {"date_of_birth-day": "30", "date_of_birth-month": "2", "date_of_birth-year": "1974"},
            "Date of birth must be a real date",
        ),
        (
            "date_of_birth",
            _date("1", "1", "2999"),
            ["1", "1", "2999"],
            {"date_of_birth-day": "1", "date_of_birth-month": "1", "date_of_birth-year": "2999"},
            "Date of birth must be in the past",
        ),
        (
            "date_of_birth",
            _date("1", "1", "1800"),
            ["1", "1", "1800"],
            {"date_of_birth-year": "1800"},
            "Enter a date of birth for an age from 16 to 110.",
        ),
        (
            "date_of_birth",
            _NO_DATE_BOXES | {"date_of_birth": ["1974-02-30"]},  # one string (a page from before the three boxes)
            ["1974-02-30"],
            {"date_of_birth-day": "30", "date_of_birth-month": "02", "date_of_birth-year": "1974"},
            "Please enter a real date, for example",
        ),
        (
            "full_name",
            {"full_name": ["z" * 121]},
            ["z" * 121],
            {"full_name": "z" * 121},
            "Please shorten this answer to at most 120 characters (it has 121).",
        ),
        (
            "full_name",
            {"full_name": ["z" * 100_000]},
            ["z" * PENDING_MAX_CHARS],
            {"full_name": "z" * PENDING_MAX_CHARS},
            "Please shorten this answer to at most 120 characters (it has 100000).",
        ),
    ],
)
def test_bad_values_come_back_with_the_message_and_other_answers_kept(
    app: Flask,
    client: FlaskClient,
    field: str,
    boxes: dict[str, list[str] | None],
    kept: list[str],
    shown: dict[str, str],
    message: str,
) -> None:
    intake_id = _at(client, app, "bowel_habits")
    url = "/intake/about_you"
    page = client.get(url)
    posted = {name: values for name, values in boxes.items() if values is not None}
    data = plan_data(field_names(page) | set(posted), PLAN | posted, csrf_of(page))
    for name in (name for name, values in boxes.items() if values is None):
        data.pop(name, None)
    body = _refused(client, url, client.post(url, data=data))
    assert message in body and f'<a href="#f-{field}">' in body and f'id="{field}-e"' in body
    assert _boxes_shown(body, shown)  # the page shows back what was typed
    answers = stored_answers(app, intake_id)
    assert field not in answers
    assert answers["worst_symptom"] == "abdominal_pain" and answers["symptoms"] == PLAN["symptoms"]  # the rest is kept
    pending = intake_row(app, intake_id).pending_inputs
    assert pending[field] == kept  # nothing typed is lost (within the cap)
    assert len(body) < 60 * 1024 or field == "full_name"


def test_nul_bytes_are_a_clear_message_on_every_text_field(app: Flask, client: FlaskClient) -> None:
    plan = _full_plan_for_texts()
    intake_id = _at(client, app, "review", plan)
    assert {q.id for q in TEXT_FIELDS} <= set(stored_answers(app, intake_id))
    for question in TEXT_FIELDS:
        url = f"/intake/{question.step}"
        body = _refused(client, url, post_page(client, url, plan | {question.id: ["a\x00b"]}))
        assert CONTROL_MESSAGE in body and f'<a href="#f-{question.id}">' in body and "\x00" not in body, question.id
        assert intake_row(app, intake_id).pending_inputs[question.id] == ["ab"]
        corrected = post_page(client, url, plan)
        assert corrected.status_code == 303 and corrected.location != url, question.id  # the step is finished again
        assert question.id not in intake_row(app, intake_id).pending_inputs
    text = all_text(app)
    assert "\x00" not in text and "\\x00" not in text


def test_nul_and_controls_in_choice_number_names_and_unknown_fields(app: Flask, client: FlaskClient) -> None:
    intake_id = _at(client, app, "symptoms")
    data = PLAN | {
        "sex_at_birth": ["fem\x00ale"],
        "height_cm": ["1\x0065"],
        "evil\x00name": ["x\x00"],
        "unknown_field": ["\x00\x01\x1b"],
    }
    body = _refused(client, "/intake/about_you", post_page(client, "/intake/about_you", data))
    assert '<a href="#f-sex_at_birth">' in body and '<a href="#f-height_cm">' in body and "\x00" not in body
    assert body.count(CONTROL_MESSAGE) == 4  # in the summary and beside each of the two fields
    pending = intake_row(app, intake_id).pending_inputs
    assert pending["sex_at_birth"] == ["female"] and pending["height_cm"] == ["165", "", ""]
    assert "unknown_field" not in pending and "evil" not in all_text(app)


def test_emoji_rtl_and_combining_text_are_saved_and_shown_unchanged(app: Flask, client: FlaskClient) -> None:
    intake_id = _at(client, app, "symptoms")
    text = "Cafe\u0301 🧑🏽‍⚕️ \u202eevil\u202c مرحبا שלום 你好 👍🏿"
    response = post_page(client, "/intake/about_you", PLAN | {"main_concern": [text]})
    assert response.status_code == 303 and response.location != "/intake/about_you"
    expected = unicodedata.normalize("NFC", text)
    assert stored_answers(app, intake_id)["main_concern"] == expected
    shown = client.get("/intake/about_you").get_data(as_text=True)
    assert expected in shown and "👍🏿" in shown


def test_unknown_fields_are_ignored_and_duplicates_are_an_error(app: Flask, client: FlaskClient) -> None:
    intake_id = _at(client, app, "bowel_habits")
    symptoms = post_page(client, "/intake/symptoms", PLAN | {"symptoms": ["bloating", "bloating"]})
    assert "Please choose only from the options shown." in _refused(client, "/intake/symptoms", symptoms)
    page = client.get("/intake/about_you")
    data = {
        **PLAN,
        "csrf_token": csrf_of(page),
        "is_admin": "1",
        "intake_id": "999",
        "sex_at_birth": ["female", "male"],
        "date_of_birth-year": ["1970", "1970"],
    }
    body = _refused(client, "/intake/about_you", client.post("/intake/about_you", data=data))
    assert body.count("Please give one answer only.") == 4  # in the summary and beside each of the two questions
    answers = stored_answers(app, intake_id)
    assert "is_admin" not in answers and "intake_id" not in answers
    assert "sex_at_birth" not in answers and "date_of_birth" not in answers


def test_oversize_body_is_a_413_page_and_changes_nothing(app: Flask, client: FlaskClient) -> None:
    intake_id = _at(client, app, "symptoms")
    page = client.get("/intake/about_you")
    before = snapshot(app, intake_id)
    response = client.post("/intake/about_you", data={"csrf_token": csrf_of(page), "main_concern": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413 and has_security_headers(response)
    assert "too large" in response.get_data(as_text=True)
    parts = {f"f{i}": "x" for i in range(5000)} | {"csrf_token": csrf_of(page), "upload": (io.BytesIO(b"x"), "x.txt")}
    many = client.post("/intake/about_you", data=parts, content_type="multipart/form-data")
    assert many.status_code == 413 and has_security_headers(many)
    assert snapshot(app, intake_id) == before


def test_many_urlencoded_parts_are_handled_without_error(app: Flask, client: FlaskClient) -> None:
    _at(client, app, "symptoms")
    page = client.get("/intake/about_you")
    data = {f"f{i}": "x" for i in range(5000)} | {"csrf_token": csrf_of(page), "main_concern": "ok"}
    assert client.post("/intake/about_you", data=data).status_code == 303
