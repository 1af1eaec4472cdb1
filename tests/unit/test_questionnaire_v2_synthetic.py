"""Random intakes for benchmarks and property tests are valid answers, for every bundled version and for version 2 fields."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import Questionnaire, bundled_versions, parse_questionnaire, questionnaire_for
from triage.domain.questionnaire.synthetic import random_intake

ON = dt.date(2026, 12, 1)
CHOICES = [{"value": v, "label": v.title()} for v in ("bloating", "wind", "heartburn")]
FEATURES = parse_questionnaire(
    {
        "version": "t-2",
        "steps": [
            {
                "id": "about",
                "title": "About",
                "questions": [
                    {"id": "date_of_birth", "type": "date", "label": "Born", "min_age": 30, "max_age": 40},
                    {"id": "height_cm", "type": "number", "label": "Height", "unit": "cm", "min": 50, "max": 250,
                     "imperial": "feet_inches"},
                    {"id": "symptoms", "type": "multi", "label": "Symptoms", "choices": CHOICES},
                    {"id": "worst_symptom", "type": "single", "label": "Worst", "choices_from": "symptoms",
                     "shown_when": {"question": "symptoms", "at_least": 2}},
                    {"id": "triggers", "type": "multi", "label": "Triggers", "choices": [
                        {"value": "coffee", "label": "Coffee"},
                        {"value": "none", "label": "None of these", "exclusive": True},
                        {"value": "not_sure", "label": "Not sure", "exclusive": True},
                    ]},
                    {"id": "current_medicines", "type": "table", "label": "Medicines",
                     "columns": [{"id": "name", "label": "Medicine"}]},
                ],
            }
        ],
    }
)  # fmt: skip


@pytest.mark.parametrize("questionnaire", [questionnaire_for(v) for v in bundled_versions()] + [FEATURES], ids=str)
def test_random_intakes_pass_validation(questionnaire: Questionnaire) -> None:
    rng = random.Random(12)
    for _ in range(40):
        intake = random_intake(questionnaire, rng, ON)
        assert validate_answers(questionnaire, intake, ON) == intake


def test_random_intakes_respect_version_2_fields() -> None:
    rng = random.Random(3)
    intakes = [random_intake(FEATURES, rng, ON, answer_rate=1.0) for _ in range(200)]
    for intake in intakes:
        assert 30 <= (ON - dt.date.fromisoformat(intake["date_of_birth"])).days // 365.25 <= 40
        assert len(intake["triggers"]) == 1 or not {"none", "not_sure"} & set(intake["triggers"])
        if "worst_symptom" in intake:
            assert intake["worst_symptom"] in intake["symptoms"] and len(intake["symptoms"]) >= 2
        assert "current_medicines" not in intake
    assert any(intake["triggers"] in (["none"], ["not_sure"]) for intake in intakes)
    assert any("worst_symptom" in intake for intake in intakes)
