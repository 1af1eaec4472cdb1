"""Clinicians read every intake with the questionnaire version it was answered in, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import Callable
from typing import Any

import pypdf
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from tests.helpers.pdf_jobs import download
from tests.helpers.report_versions import V1_ANSWERS
from tests.helpers.rules_editor import post_from_page
from triage.db import intakes as queries
from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
from triage.db.models import Intake
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire, questionnaire_for

TODAY = dt.date.today()
V1 = "2026.11-1"
V2 = "2026.12-2"


def seed(app: Flask, ref: str, version: str, raw: dict[str, Any]) -> int:
    """A submitted intake of this questionnaire version, its answers validated by that version as the patient flow does."""
    typed = validate_answers(questionnaire_for(version), raw, TODAY)
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(session, ref=ref, questionnaire_version=version, expires_days=30)
        queries.save_step(session, intake, typed, {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, TODAY, bundled_ruleset()))
        return intake.id


def v1_answers() -> dict[str, Any]:
    """A patient who answered version 1: one onset for all symptoms, each symptom's severity, yes/no medicine questions."""
    return {**V1_ANSWERS, "symptoms_trend": "worse", "consent_true": True, "consent_use": True}


def page_text(client: FlaskClient, url: str) -> str:
    """A page as plain text: tags dropped, entities decoded, whitespace squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", client.get(url).get_data(as_text=True))).split())


def pdf_words(client: FlaskClient, intake_url: str) -> str:
    """The downloaded PDF's text, every run of whitespace as one space."""
    token = csrf_token(client.get(intake_url).data)
    reply = download(client, intake_url, token)
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(reply.data)).pages).split())


def test_a_version_1_intake_shows_its_answers_on_the_page_and_in_the_pdf(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    intake_id = seed(app, "OLD-1", V1, v1_answers())
    url = f"/clinic/intakes/{intake_id}"
    text = page_text(client, url)
    v1 = questionnaire_for(V1)
    assert f"{v1.by_id['symptoms_started_months'].label} 8 months" in text
    assert f"{v1.by_id['takes_ppi'].label} Yes" in text and f"{v1.by_id['bloating_severity'].label} 7 out of 10" in text
    assert "year-old woman with 8 months of bloating (7/10) and loose stools (5/10), getting worse." in text
    assert "Pertinent negatives: no rectal bleeding." in text
    assert "Answers to questions not in this questionnaire version" not in text
    assert "Medicines and allergies" not in text  # version 1 asked neither allergies nor a medicines table

    words = pdf_words(client, url)
    assert "Proton pump inhibitor: Omeprazole (Prilosec, Losec) · Every day · for 3 years · last dose yesterday" in words
    assert "Also listed by the patient: Levothyroxine" in words and "Bloating 7/10" in words
    assert "Takes omeprazole daily for 3 years, last dose yesterday." in words
    assert f"Questionnaire {V1}" in words


def test_an_intake_of_a_version_this_build_does_not_bundle_still_shows_every_answer(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    client = app.test_client()
    staff_login(client)
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(session, ref="ODD-1", questionnaire_version="1999.1-0", expires_days=30)
        queries.save_step(session, intake, {"full_name": "Odd Version", "retired_question": "kept"}, {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, TODAY, bundled_ruleset()))
        intake_id = intake.id
    text = page_text(client, f"/clinic/intakes/{intake_id}")
    assert "Odd Version" in text and "Answers to questions not in this questionnaire version retired_question kept" in text


def test_a_rule_case_from_a_version_1_intake_lists_its_version_1_answers(app: Flask, staff_login: Callable[..., Any]) -> None:
    editor = app.test_client()
    staff_login(editor, roles=("rules_editor",))
    assert post_from_page(editor, "/rules/", "/rules/draft").status_code == 303
    intake_id = seed(app, "OLD-2", V1, v1_answers())
    text = page_text(editor, f"/rules/draft/cases/new?intake={intake_id}")
    assert questionnaire_for(V1).by_id["takes_ppi"].label in text
    assert "Vera One" not in text


def test_new_invitations_from_the_worklist_use_the_current_questionnaire(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    token = csrf_token(client.get("/clinic/").data)
    assert client.post("/clinic/invitations", data={"csrf_token": token, "ref": "NEW-1"}).status_code == 200
    with app.extensions["triage_db"].session() as session:
        assert session.scalars(select(Intake.questionnaire_version).where(Intake.ref == "NEW-1")).one() == (
            default_questionnaire().version
        )


def v2_answers() -> dict[str, Any]:
    """A version 2 patient with allergies and two medicines of their own, in whichever ids version 2 asks them."""
    questionnaire = questionnaire_for(V2)
    raw: dict[str, Any] = {
        "full_name": "Tessa Two",
        "date_of_birth": "1980-03-02",
        "sex_at_birth": "female",
        "symptoms": ["abdominal_pain", "bloating", "diarrhoea"],
        "worst_symptom": "bloating",
        "worst_symptom_severity": 8,
        "abdominal_pain_months": 3,
        "bloating_months": 14,
        "diarrhoea_months": 30,
        "stool_pattern": "mostly_loose",
        "bowel_frequency": "3_to_5_a_day",
        "blood_in_stool": "no",  # version 2 asks the alarms either one by one or as one list
        "warning_signs": ["none"],
        "known_anaemia": "no",
        "acid_medicines": ["ppi", "bismuth"],
        "ppi_still_taking": "yes",
        "ppi_months": 24,
        "bismuth_last_dose_days": 5,
        "takes_nsaid": "no",
        "current_medicines": [["Levothyroxine", "50 micrograms", "once a day"], ["Sertraline", "50 mg", "each morning"]],
        "allergies": "yes",
        "allergies_details": "Penicillin gives me a rash",
        "consent_true": True,
        "consent_use": True,
    }
    return {k: v for k, v in raw.items() if k in questionnaire.by_id}


def test_a_version_2_intake_shows_allergies_and_each_medicine_on_the_page_and_in_the_pdf(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    assert questionnaire_for(V2).version == V2  # still bundled now that version 3 is current
    client = app.test_client()
    staff_login(client)
    intake_id = seed(app, "NEW-2", V2, v2_answers())
    url = f"/clinic/intakes/{intake_id}"
    text = page_text(client, url)
    section = text[text.index("Medicines and allergies") :]
    assert "Allergies: Yes: Penicillin gives me a rash" in section
    assert "Levothyroxine 50 micrograms once a day Sertraline 50 mg each morning" in section
    assert "Proton pump inhibitor" in section and "still taking" in section and "Bismuth · last dose 5 days ago" in section
    stories = "bloating (8/10, 14 months), abdominal pain (3 months) and loose stools (about 2.5 years)"
    assert f"year-old woman with {stories}." in text  # each symptom with its own duration, the worst first
    assert "Answers to questions not in this questionnaire version" not in text

    words = pdf_words(client, url)
    assert "Levothyroxine 50 micrograms once a day" in words and "Sertraline 50 mg each morning" in words
    assert "Allergies: Yes · Penicillin gives me a rash" in words
    assert "In the last 4 weeks:" in words and "still taking; bismuth, last dose 5 days ago" in words
    assert stories in words and f"Questionnaire {V2}" in words
