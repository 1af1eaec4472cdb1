"""Intakes of both questionnaire versions for the report tests: a small version-2-shaped questionnaire and answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from triage.db.intake_record import EvaluationInfo, IntakeRecord
from triage.domain.questionnaire.questions import Questionnaire, parse_questionnaire

ON = dt.date(2026, 12, 10)
V1 = "2026.11-1"
V2 = "2026.12-2"
YES_NO = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]
SIGNS = [
    {"value": "blood_in_stool", "label": "Blood in your poo"},
    {"value": "black_stools", "label": "Black poo"},
    {"value": "unintended_weight_loss", "label": "Losing weight without trying"},
    {"value": "jaundice", "label": "Yellow skin"},
    {"value": "not_sure", "label": "Not sure", "exclusive": True},
    {"value": "none", "label": "None of these", "exclusive": True},
]
SYMPTOMS = [
    {"value": "abdominal_pain", "label": "Tummy pain"},
    {"value": "bloating", "label": "Bloating"},
    {"value": "diarrhoea", "label": "Diarrhoea"},
    {"value": "heartburn", "label": "Heartburn"},
]
# A small questionnaire in version 2's shape: sections, worst symptom, per-symptom months, the 4-week list, a table;
# it offers the alarm and bowel features both as their own questions and as one list, as drafts of version 2 did.
V2_DOCUMENT: dict[str, Any] = {
    "version": "test-2",
    "sections": [
        {"id": "about_you", "title": "About you"},
        {"id": "symptoms", "title": "Your symptoms"},
        {"id": "bowels", "title": "Your bowel habits"},
        {"id": "warning_signs", "title": "Important warning signs"},
        {"id": "medicines", "title": "Medicines and allergies"},
        {"id": "check_and_send", "title": "Check and send"},
    ],
    "steps": [
        {
            "id": "about_you",
            "title": "About you",
            "section": "about_you",
            "questions": [
                {"id": "full_name", "type": "text", "label": "Full name"},
                {"id": "date_of_birth", "type": "date", "label": "Date of birth"},
                {
                    "id": "sex_at_birth",
                    "type": "single",
                    "label": "Sex at birth",
                    "choices": [{"value": "female", "label": "Female"}, {"value": "male", "label": "Male"}],
                },
                {"id": "weight_kg", "type": "number", "label": "Weight", "unit": "kg"},
            ],
        },
        {
            "id": "symptoms",
            "title": "Your symptoms",
            "section": "symptoms",
            "questions": [
                {"id": "symptoms", "type": "multi", "label": "Symptoms", "choices": SYMPTOMS},
                {
                    "id": "worst_symptom",
                    "type": "single",
                    "label": "Which is worst?",
                    "choices_from": "symptoms",
                    "shown_when": {"question": "symptoms", "at_least": 2},
                },
                {"id": "worst_symptom_severity", "type": "scale", "label": "How bad at its worst?", "min": 0, "max": 10},
            ],
        },
        {
            "id": "symptom_details",
            "title": "How long",
            "section": "symptoms",
            "for_each": {
                "source": "symptoms",
                "questions": [{"id": "{value}_months", "type": "integer", "label": "{label}: months", "compact": True}],
            },
        },
        {
            "id": "bowels",
            "title": "Your bowel habits",
            "section": "bowels",
            "questions": [
                {
                    "id": "stool_pattern",
                    "type": "single",
                    "label": "Stools",
                    "choices": [{"value": "mostly_loose", "label": "Mostly loose"}, {"value": "normal", "label": "Normal"}],
                },
                {
                    "id": "bowel_frequency",
                    "type": "single",
                    "label": "How often",
                    "choices": [{"value": "3_to_5_a_day", "label": "3 to 5 a day"}, {"value": "1_to_2_a_day", "label": "1 or 2"}],
                },
                {
                    "id": "bowel_features",
                    "type": "multi",
                    "label": "Do any of these happen?",
                    "choices": [
                        {"value": "nocturnal_bowel", "label": "Waking at night to open your bowels"},
                        {"value": "mucus", "label": "Mucus"},
                        {"value": "none", "label": "None of these", "exclusive": True},
                    ],
                },
            ],
        },
        {
            "id": "warning_signs",
            "title": "Important warning signs",
            "section": "warning_signs",
            "questions": [
                {"id": "blood_in_stool", "type": "single", "label": "Blood in your poo?", "choices": YES_NO},
                {"id": "warning_signs", "type": "multi", "label": "Have you had any of these?", "choices": SIGNS},
                {"id": "warning_signs_unsure", "type": "multi", "label": "Which are you not sure about?", "choices": SIGNS[:4]},
                {"id": "unintended_weight_loss", "type": "single", "label": "Lost weight?", "choices": YES_NO},
                {"id": "weight_lost_kg", "type": "number", "label": "How much?", "unit": "kg"},
                {"id": "weight_lost_months", "type": "integer", "label": "Over how many months?"},
            ],
        },
        {
            "id": "medicines",
            "title": "Medicines and allergies",
            "section": "medicines",
            "questions": [
                {
                    "id": "acid_medicines",
                    "type": "multi",
                    "label": "In the last 4 weeks, have you taken any of these?",
                    "choices": [
                        {"value": "ppi", "label": "PPI"},
                        {"value": "h2_blocker", "label": "H2 blocker"},
                        {"value": "antacid", "label": "Antacid"},
                        {"value": "bismuth", "label": "Bismuth"},
                        {"value": "antibiotics", "label": "Antibiotics"},
                        {"value": "nsaid", "label": "A painkiller such as ibuprofen"},
                        {"value": "none", "label": "None of these", "exclusive": True},
                        {"value": "not_sure", "label": "Not sure", "exclusive": True},
                    ],
                },
                {
                    "id": "ppi_drug",
                    "type": "single",
                    "label": "Which one?",
                    "choices": [{"value": "omeprazole", "label": "Omeprazole (Losec)"}],
                },
                {
                    "id": "ppi_frequency",
                    "type": "single",
                    "label": "How often?",
                    "choices": [{"value": "daily", "label": "Every day"}],
                },
                {"id": "ppi_months", "type": "integer", "label": "For how many months?"},
                {"id": "ppi_still_taking", "type": "single", "label": "Still taking it?", "choices": YES_NO},
                {"id": "ppi_last_dose_days", "type": "integer", "label": "Days since the last dose"},
                {"id": "bismuth_last_dose_days", "type": "integer", "label": "Days since the last bismuth"},
                {"id": "takes_nsaid", "type": "single", "label": "Painkillers such as ibuprofen?", "choices": YES_NO},
                {
                    "id": "nsaid_frequency",
                    "type": "single",
                    "label": "How often the painkiller?",
                    "choices": [{"value": "daily", "label": "Every day"}, {"value": "occasionally", "label": "Now and then"}],
                },
                {
                    "id": "current_medicines",
                    "type": "table",
                    "label": "Medicines you take",
                    "columns": [
                        {"id": "name", "label": "Medicine"},
                        {"id": "dose", "label": "Dose"},
                        {"id": "how_often", "label": "How often"},
                    ],
                },
                {
                    "id": "allergies",
                    "type": "single",
                    "label": "Any allergies?",
                    "choices": [
                        {"value": "none", "label": "No allergies"},
                        {"value": "yes", "label": "Yes"},
                        {"value": "not_sure", "label": "Not sure"},
                    ],
                },
                {"id": "allergies_details", "type": "longtext", "label": "What are you allergic to?"},
            ],
        },
        {
            "id": "review",
            "title": "Check and send",
            "section": "check_and_send",
            "review": True,
            "questions": [{"id": "consent_true", "type": "consent", "label": "True"}],
        },
    ],
}
V1_ANSWERS: dict[str, Any] = {
    "full_name": "Vera One",
    "date_of_birth": "1974-05-14",
    "sex_at_birth": "female",
    "symptoms": ["bloating", "diarrhoea"],
    "bloating_severity": 7,
    "diarrhoea_severity": 5,
    "symptoms_started_months": 8,
    "takes_ppi": "yes",
    "ppi_drug": "omeprazole",
    "ppi_frequency": "daily",
    "ppi_months": 36,
    "ppi_last_dose_days": 1,
    "takes_nsaid": "no",
    "bowel_movements_per_day": 4,
    "blood_in_stool": "no",
    "medicines_other": "Levothyroxine",
}
V2_ANSWERS: dict[str, Any] = {
    "full_name": "Tessa Two",
    "date_of_birth": "1980-03-02",
    "sex_at_birth": "female",
    "weight_kg": 60.0,
    "symptoms": ["abdominal_pain", "bloating", "diarrhoea"],
    "worst_symptom": "bloating",
    "worst_symptom_severity": 8,
    "abdominal_pain_months": 3,
    "bloating_months": 14,
    "diarrhoea_months": 30,
    "stool_pattern": "mostly_loose",
    "bowel_frequency": "3_to_5_a_day",
    "blood_in_stool": "no",
    "unintended_weight_loss": "yes",
    "weight_lost_kg": 6.0,
    "weight_lost_months": 3,
    "acid_medicines": ["ppi", "bismuth"],
    "ppi_drug": "omeprazole",
    "ppi_frequency": "daily",
    "ppi_months": 24,
    "ppi_still_taking": "yes",
    "bismuth_last_dose_days": 5,
    "takes_nsaid": "no",
    "current_medicines": [["Levothyroxine", "50 micrograms", "once a day"], ["Sertraline", "50 mg", "each morning"]],
    "allergies": "yes",
    "allergies_details": "Penicillin gives me a rash",
}
RESULT: dict[str, Any] = {"ruleset": {"version": "1", "hash": "a" * 64}, "red_flags": [], "differentials": []}


def small_v2() -> Questionnaire:
    """The small version-2-shaped questionnaire."""
    return parse_questionnaire(V2_DOCUMENT, "v2-test")


def intake(version: str, answers: dict[str, Any]) -> IntakeRecord:
    """A submitted intake of this questionnaire version with these stored answers."""
    return IntakeRecord(
        id=7,
        ref="R-7",
        status="submitted",
        questionnaire_version=version,
        appointment="",
        created="2026-12-09 09:00 UTC",
        submitted="2026-12-10 09:00 UTC",
        submitted_on=ON,
        reviewed_at="",
        reviewed_by="",
        stored_sha256="b" * 64,
        computed_sha256="b" * 64,
        answers=answers,
        evaluations=(EvaluationInfo(1, "2026-12-10 09:00 UTC", "submit", "1", "a" * 64),),
        result=RESULT,
        notes=(),
        feedback=(),
    )
