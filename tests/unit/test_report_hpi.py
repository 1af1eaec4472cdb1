"""The history-of-present-illness paragraph: deterministic clinical wording from structured answers only."""

from __future__ import annotations

import datetime as dt

import pytest

from triage.domain.questionnaire.questions import Answer, Questionnaire, questionnaire_for
from triage.domain.report.history import days_ago, duration, history_paragraph, join_words

ON = dt.date(2026, 11, 27)


def version_1() -> Questionnaire:
    """Version 1 (2026.11-1): the questions these answers were written for."""
    return questionnaire_for("2026.11-1")


CELIAC_STORY: dict[str, Answer] = {
    "date_of_birth": "1974-05-14",
    "sex_at_birth": "female",
    "symptoms": ["bloating", "diarrhoea"],
    "bloating_severity": 7,
    "diarrhoea_severity": 5,
    "symptoms_started_months": 8,
    "triggers": ["gluten"],
    "takes_ppi": "yes",
    "ppi_drug": "omeprazole",
    "ppi_frequency": "daily",
    "ppi_months": 36,
    "ppi_last_dose_days": 1,
    "takes_nsaid": "no",
    "family_history": ["celiac"],
    "gluten_status": "regular",
    "blood_in_stool": "no",
    "black_stools": "no",
    "main_concern": "<script>alert(1)</script> my own words",
}


def test_the_paragraph_reads_like_a_clinical_summary() -> None:
    text = history_paragraph(version_1(), CELIAC_STORY, ON)
    opening = "52-year-old woman with 8 months of bloating (7/10) and loose stools (5/10). Symptoms worse after wheat."
    assert text.startswith(opening)
    assert "Takes omeprazole daily for 3 years, last dose yesterday." in text
    assert "First-degree family history of coeliac disease." in text
    assert "Denies rectal bleeding and melaena." in text
    assert "Eats gluten most days." in text


def test_the_paragraph_is_deterministic_and_never_quotes_free_text() -> None:
    first = history_paragraph(version_1(), CELIAC_STORY, ON)
    assert first == history_paragraph(version_1(), dict(reversed(list(CELIAC_STORY.items()))), ON)
    assert "script" not in first and "own words" not in first


def test_alarm_features_are_reported_with_details() -> None:
    answers: dict[str, Answer] = {
        "blood_in_stool": "yes",
        "bloody_stools_per_day": 4,
        "unintended_weight_loss": "yes",
        "weight_change": "lost",
        "weight_change_kg": 7.0,
        "known_anaemia": "iron_deficiency",
    }
    text = history_paragraph(version_1(), answers, ON)
    assert (
        "Reports rectal bleeding (up to 4 times a day), unintended weight loss (7 kg) and known iron-deficiency anaemia." in text
    )


def test_all_alarms_denied_is_said_once() -> None:
    answers: dict[str, Answer] = dict.fromkeys(
        [
            "blood_in_stool",
            "black_stools",
            "vomited_blood",
            "swallowing_worse",
            "persistent_vomiting",
            "unintended_weight_loss",
            "fever_night_sweats",
            "perianal_problems",
            "abdominal_lump",
            "jaundice",
            "known_anaemia",
        ],
        "no",
    )
    assert "No alarm features reported." in history_paragraph(version_1(), answers, ON)


def test_without_an_overall_onset_each_symptom_keeps_its_own_duration() -> None:
    answers: dict[str, Answer] = {
        "sex_at_birth": "male",
        "date_of_birth": "1958-12-01",
        "symptoms": ["swallowing", "heartburn"],
        "swallowing_severity": 7,
        "swallowing_months": 3,
        "heartburn_severity": 6,
        "heartburn_months": 120,
    }
    text = history_paragraph(version_1(), answers, ON)
    assert text.startswith("67-year-old man with dysphagia (7/10, 3 months) and heartburn (6/10, 10 years).")


def test_acid_medicines_name_drug_frequency_duration_and_last_dose() -> None:
    answers: dict[str, Answer] = {
        "takes_h2_blocker": "yes",
        "h2_drug": "famotidine",
        "h2_frequency": "most_days",
        "h2_months": 30,
        "h2_last_dose_days": 20,
        "takes_antacid": "yes",
        "antacid_types": ["alginate"],
        "antacid_frequency": "occasionally",
    }
    text = history_paragraph(version_1(), answers, ON)
    assert (
        "Takes famotidine on most days for about 2.5 years, last dose about 3 weeks ago; alginate antacids occasionally." in text
    )


def test_an_almost_empty_intake_still_gives_a_sentence() -> None:
    assert history_paragraph(version_1(), {}, ON) == "Person with no gastrointestinal symptoms selected."


@pytest.mark.parametrize(
    ("months", "words"),
    [
        (0, "under a month"),
        (1, "1 month"),
        (8, "8 months"),
        (23, "23 months"),
        (24, "2 years"),
        (30, "about 2.5 years"),
        (40, "about 3.5 years"),
        (None, ""),
    ],
)
def test_durations(months: int | None, words: str) -> None:
    assert duration(months) == words


@pytest.mark.parametrize(
    ("days", "words"),
    [(0, "today"), (1, "yesterday"), (5, "5 days ago"), (20, "about 3 weeks ago"), (90, "about 3 months ago"), (None, "")],
)
def test_last_dose_phrases(days: int | None, words: str) -> None:
    assert days_ago(days) == words


def test_join_words() -> None:
    assert [join_words([]), join_words(["a"]), join_words(["a", "b"]), join_words(["a", "b", "c"])] == [
        "",
        "a",
        "a and b",
        "a, b and c",
    ]
