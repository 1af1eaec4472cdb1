"""The patient form in Spanish, Polish and Arabic over HTTP: the same stored answers as in English, pages in the language."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.patient import (
    DONE_URL,
    PLAN,
    REVIEW_URL,
    START_URL,
    audit_rows,
    csrf_of,
    intake_row,
    new_invitation,
    open_link,
    post_page,
    stored_answers,
    submit,
    walk_to_review,
)

LANGUAGE_URL = "/intake/language"
# A word of each language's pages that English pages never show, and the page's direction.
MARKS = {"es": ("Continuar", "ltr"), "pl": ("Dalej", "ltr"), "ar": ("متابعة", "rtl")}


def choose_language(client: FlaskClient, code: str, back: str = START_URL) -> None:
    """Press the language switch in a page's header (a POST with CSRF, answered with a 303 back to the page)."""
    page = client.get(back)
    response = client.post(LANGUAGE_URL, data={"csrf_token": csrf_of(page), "language": code, "back": back})
    assert response.status_code == 303 and response.location == back


def complete(app: Flask, client: FlaskClient, ref: str, code: str | None) -> tuple[int, list[str]]:
    """One patient's whole form in a language (None: English, never switched); returns the intake and the pages seen."""
    token, intake_id = new_invitation(app, ref=ref)
    open_link(client, token)
    if code is not None:
        choose_language(client, code)
    pages = [client.get(url).get_data(as_text=True) for url in walk_to_review(client)]
    pages.append(client.get(REVIEW_URL).get_data(as_text=True))
    response = submit(client)
    assert response.status_code == 303 and response.location.endswith(DONE_URL)
    pages.append(client.get(DONE_URL).get_data(as_text=True))
    return intake_id, pages


@pytest.mark.parametrize("code", ["es", "ar", "pl"])
def test_a_patient_completes_the_form_in_a_language_and_the_answers_equal_the_english_run(app: Flask, code: str) -> None:
    english_id, english_pages = complete(app, app.test_client(), "T-EN", None)
    other_id, other_pages = complete(app, app.test_client(), f"T-{code}", code)

    assert stored_answers(app, other_id) == stored_answers(app, english_id)  # the same choice values, the same words
    assert intake_row(app, other_id).language == code and intake_row(app, english_id).language == "en"
    word, direction = MARKS[code]
    for body in other_pages:
        assert f'<html lang="{code}" dir="{direction}">' in body
        assert "Continue where you left off" not in body and "Send my answers to the clinic" not in body
    assert word in other_pages[0]
    assert all('<html lang="en" dir="ltr">' in body for body in english_pages)
    assert [r.detail for r in audit_rows(app, "intake.language")] == [code]


def test_the_review_page_reads_answers_back_in_the_language(app: Flask, client: FlaskClient) -> None:
    token, _intake_id = new_invitation(app)
    open_link(client, token)
    choose_language(client, "es")
    walk_to_review(client)
    body = client.get(REVIEW_URL).get_data(as_text=True)
    assert "1 de mayo de 1970" in body  # the date of birth, month in Spanish
    assert "60,5 kg" in body  # a decimal comma on output
    assert "Mujer" in body and "Hinchazón de barriga" in body  # choice labels; the stored values stay "female", ...
    assert "Revise sus respuestas" in body or "Revisar y enviar" in body


def test_a_decimal_comma_is_accepted_in_spanish_and_polish(app: Flask) -> None:
    plan = dict(PLAN) | {"weight_kg": ["60,5"]}
    for code in ("es", "pl"):
        client = app.test_client()
        token, intake_id = new_invitation(app, ref=f"T-{code}")
        open_link(client, token)
        choose_language(client, code)
        walk_to_review(client, plan)
        assert stored_answers(app, intake_id)["weight_kg"] == 60.5


def test_validation_messages_are_in_the_patients_language(app: Flask, client: FlaskClient) -> None:
    token, _intake_id = new_invitation(app)
    open_link(client, token)
    choose_language(client, "es")
    url = "/intake/about_you"
    response = post_page(client, url, dict(PLAN) | {"height_cm": ["9999"], "date_of_birth-day": [""]})
    assert response.status_code == 303
    body = client.get(url).get_data(as_text=True)
    assert "Escriba un número de 120 a 230 (cm)" in body or "Escriba un número de" in body
    assert "Fecha de nacimiento debe incluir el día" in body
    assert "Revise estas respuestas" in body  # the error summary's heading
    assert "Please enter" not in body and "must include" not in body


def test_the_switch_is_on_every_patient_page_and_the_choice_survives_a_new_page(app: Flask, client: FlaskClient) -> None:
    token, _intake_id = new_invitation(app)
    open_link(client, token)
    start = client.get(START_URL).get_data(as_text=True)
    assert re.search(r'<form class="language-switch" method="post" action="/intake/language">', start)
    assert 'value="ar" lang="ar"' in start
    choose_language(client, "ar", "/intake/about_you")
    body = client.get("/intake/about_you").get_data(as_text=True)
    assert 'dir="rtl"' in body and "تاريخ الميلاد" in body  # "Date of birth"


def test_the_switch_refuses_other_sites_and_unknown_languages(app: Flask, client: FlaskClient) -> None:
    token, intake_id = new_invitation(app)
    open_link(client, token)
    page = client.get(START_URL)
    for back in ("https://evil.example/", "//evil.example/intake", "/clinic/worklist"):
        response = client.post(LANGUAGE_URL, data={"csrf_token": csrf_of(page), "language": "es", "back": back})
        assert response.status_code == 303 and response.location == START_URL
    client.post(LANGUAGE_URL, data={"csrf_token": csrf_of(page), "language": "xx", "back": START_URL})
    assert intake_row(app, intake_id).language == "es"
    no_token = client.post(LANGUAGE_URL, data={"language": "ar", "back": START_URL})
    assert no_token.status_code == 400 and intake_row(app, intake_id).language == "es"


def test_staff_pages_stay_in_english(app: Flask, client: FlaskClient) -> None:
    token, _intake_id = new_invitation(app)
    open_link(client, token)
    choose_language(client, "ar")
    body = client.get("/login").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in body and "language-switch" not in body
