"""Referral letters in tests: the three issue-14 cases as stored intakes, the letter PDF, its page text and page images."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

from flask import Flask

from triage.db import intakes as queries
from triage.db.evaluations import current_ruleset, evaluate_for_storage
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire
from triage.pdf import summary as pdf

TODAY = dt.date(2026, 11, 30)
PICTURES = Path("/tmp/letters")
# The three cases of issue 14, as a patient would answer the current questionnaire.
CASES: dict[str, dict[str, Any]] = {
    "coeliac_iron_27": {
        "full_name": "Cora Example",
        "date_of_birth": "1999-03-02",
        "sex_at_birth": "female",
        "main_concern": "Bloating and loose stools for over a year, and I am tired all the time.",
        "menopause_status": "still_periods",
        "heavy_periods": "no",
        "symptoms": ["diarrhoea", "bloating", "wind", "fatigue", "mouth_ulcers"],
        "symptoms_trend": "same",
        "bloating_months": 14,
        "wind_months": 14,
        "diarrhoea_months": 14,
        "diarrhoea_frequency": "most_days",
        "worst_symptom": "bloating",
        "worst_symptom_severity": 6,
        "bristol_type": "6",
        "bowel_features": ["none"],
        "warning_signs": ["none"],
        "known_anaemia": "iron_deficiency",
        "iron_tablets_no_help": "yes",
        "gluten_status": "regular",
        "dairy_symptoms": "no",
        "conditions": ["none"],
        "family_history": ["celiac"],
        "smoking": "never",
    },
    "ppi_b12_tingling_62": {
        "full_name": "Peter Example",
        "date_of_birth": "1964-06-30",
        "sex_at_birth": "male",
        "main_concern": "Tingling in my feet and heartburn; my B12 was low.",
        "symptoms": ["heartburn", "fatigue", "numbness"],
        "heartburn_frequency": "most_days",
        "heartburn_months": 100,
        "bowel_features": ["none"],
        "warning_signs": ["none"],
        "known_anaemia": "b12_deficiency",
        "acid_medicines": ["ppi"],
        "ppi_still_taking": "yes",
        "ppi_months": 60,
        "conditions": ["none"],
        "smoking": "former",
    },
    "bloody_diarrhoea_fever_19": {
        "full_name": "Bea Example",
        "date_of_birth": "2007-01-15",
        "sex_at_birth": "female",
        "main_concern": "Diarrhoea with blood about 8 times a day and a fever.",
        "menopause_status": "still_periods",
        "symptoms": ["diarrhoea", "urgency", "abdominal_pain"],
        "diarrhoea_months": 1,
        "bowel_features": ["nocturnal_bowel"],
        "warning_signs": ["blood_in_stool", "fever_night_sweats"],
        "bloody_stools_per_day": 8,
    },
}


def stored_case(app: Flask, ref: str, answers: dict[str, Any], on: dt.date = TODAY, language: str = "en") -> int:
    """A submitted, evaluated intake with these answers (validated as the current questionnaire does), answered in
    `language`; its id."""
    questionnaire = default_questionnaire()
    typed = validate_answers(questionnaire, answers, on)
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(
            session, ref=ref, questionnaire_version=questionnaire.version, expires_days=30, created_by="test", language=language
        )
        queries.save_step(session, intake, typed, {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, on, current_ruleset(session)))
        return intake.id


def letter_pdf(app: Flask, intake_id: int, **settings: Any) -> bytes:
    """The intake's letter PDF as the download renders it (the clinic's name and phone given)."""
    config = pdf.PdfSettings(clinic_name="Test gastroenterology clinic", phone="01632 960000", **settings)
    outcome = pdf.intake_pdf(app.extensions["triage_db"], intake_id, config)
    assert outcome is not None
    return outcome.pdf


def page_text(data: bytes, first: int = 1, last: int = 1) -> str:
    """The text of pages first..last as pdftotext (poppler) extracts it, in reading order."""
    done = subprocess.run(["pdftotext", "-f", str(first), "-l", str(last), "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode()


def page_count(data: bytes) -> int:
    """How many pages the PDF has."""
    done = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True, text=False)
    line = next(x for x in done.stdout.decode().splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def page_picture(data: bytes, name: str, page: int = 1) -> Path:
    """Page `page` rendered to /tmp/letters/<name>.png (for a person to look at)."""
    PICTURES.mkdir(parents=True, exist_ok=True)
    target = PICTURES / name
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", "-", str(target)],
        input=data,
        check=True,
    )
    return target.with_suffix(".png")
