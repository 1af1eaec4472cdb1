"""Questionnaire version 1 (archived): complete, well formed and the single source of its data dictionary."""

from __future__ import annotations

import pytest

from triage.domain.errors import DefinitionError
from triage.domain.questionnaire.questions import parse_questionnaire, questionnaire_for
from triage.domain.questionnaire.values import QUESTION_TYPES

Q = questionnaire_for("2026.11-1")

# Every fact that ../shared/intake-facts.md says the intake must capture, mapped to the questions that hold it.
INTAKE_FACTS: dict[str, list[str]] = {
    "date of birth": ["date_of_birth"],
    "sex at birth and menopause": ["sex_at_birth", "menopause_status"],
    "height and weight": ["height_cm", "weight_kg"],
    "weight change, amount, intended": ["weight_change", "weight_change_kg", "weight_change_intended"],
    "main concern and hopes (free text)": ["main_concern", "hopes"],
    "symptoms with severity, frequency, duration": [
        "symptoms",
        "bloating_severity",
        "bloating_frequency",
        "bloating_months",
        "abdominal_pain_severity",
    ],
    "pain location": ["pain_location"],
    "rash type (DH vs psoriasis)": ["rash_type"],
    "onset, trend and triggers": ["symptoms_started_months", "symptoms_trend", "triggers"],
    "Bristol stool form and frequency": [
        "bristol_type",
        "bowel_movements_per_day",
        "hard_stools_percent",
        "loose_stools_percent",
    ],
    "nocturnal stools, pain vs bowel movement, mucus, oily stools": [
        "nocturnal_bowel",
        "pain_and_bowels",
        "mucus",
        "oily_stools",
    ],
    "alarm symptoms": [
        "blood_in_stool",
        "black_stools",
        "vomited_blood",
        "swallowing_worse",
        "persistent_vomiting",
        "unintended_weight_loss",
        "fever_night_sweats",
        "perianal_problems",
        "abdominal_lump",
        "known_anaemia",
    ],
    "gluten status and duration": ["gluten_status", "gluten_reduced_months"],
    "dairy": ["dairy_amount", "dairy_symptoms"],
    "alcohol (AUDIT-C and drinks a week)": [
        "alcohol_frequency",
        "alcohol_typical_drinks",
        "alcohol_six_or_more",
        "drinks_per_week",
    ],
    "diet pattern": [
        "processed_food",
        "sugary_food",
        "fibre_portions",
        "plant_based",
        "coffee_cups_per_day",
        "late_eating",
        "large_meals",
    ],
    "food reactions and diets tried": ["food_reactions", "food_reactions_other", "diets_tried", "diet_helped"],
    "PPI: drug, frequency, duration, last dose": ["takes_ppi", "ppi_drug", "ppi_frequency", "ppi_months", "ppi_last_dose_days"],
    "H2 blocker: drug, frequency, duration, last dose": [
        "takes_h2_blocker",
        "h2_drug",
        "h2_frequency",
        "h2_months",
        "h2_last_dose_days",
    ],
    "antacids/alginates: type, frequency, duration, last dose": [
        "takes_antacid",
        "antacid_types",
        "antacid_frequency",
        "antacid_months",
        "antacid_last_dose_days",
    ],
    "NSAIDs: which, how often, how long": ["takes_nsaid", "nsaid_drugs", "nsaid_frequency", "nsaid_months"],
    "other medicines and supplements": ["other_medicines", "antibiotics_weeks_ago", "medicines_other"],
    "medical history": ["conditions", "conditions_other"],
    "family history incl. cancer age": ["family_history", "family_cancer_age"],
    "previous tests: when and result, celiac test on gluten": [
        "previous_tests",
        "test_celiac_blood_months_ago",
        "test_celiac_blood_result",
        "test_celiac_on_gluten",
        "test_vitamin_b12_result",
    ],
    "smoking": ["smoking", "smoking_quit_years"],
    "exercise, walking after meals, sleep, stress": ["exercise_days", "walk_after_meals", "sleep_hours", "stress_level"],
    "PHQ-2 and GAD-2": ["phq_interest", "phq_down", "gad_nervous", "gad_worry"],
    "consent": ["consent_true", "consent_use"],
}

MEDICAL_HISTORY = {
    "celiac",
    "crohns",
    "ulcerative_colitis",
    "ibs",
    "autoimmune_thyroid",
    "type1_diabetes",
    "pernicious_anaemia",
    "iron_deficiency_anaemia",
    "b12_deficiency",
    "dermatitis_herpetiformis",
    "psoriasis",
    "rheumatoid_arthritis",
    "other_autoimmune",
    "early_osteoporosis",
    "iga_deficiency",
    "down_turner",
    "gerd",
    "h_pylori",
    "bowel_stomach_surgery",
    "gallbladder_removed",
}
SYMPTOMS = {
    "abdominal_pain",
    "bloating",
    "wind",
    "diarrhoea",
    "constipation",
    "alternating",
    "urgency",
    "heartburn",
    "regurgitation",
    "nausea",
    "vomiting",
    "swallowing",
    "early_fullness",
    "fatigue",
    "headaches",
    "joint_pain",
    "mouth_ulcers",
    "skin_rash",
    "numbness",
    "breathless",
    "brain_fog",
    "anxiety_low_mood",
}


@pytest.mark.parametrize("fact", sorted(INTAKE_FACTS))
def test_every_intake_fact_has_its_questions(fact: str) -> None:
    missing = [qid for qid in INTAKE_FACTS[fact] if qid not in Q.by_id]
    assert missing == [], f"{fact}: no question {missing}"


def test_every_listed_symptom_condition_and_family_item_is_offered() -> None:
    assert set(Q.by_id["symptoms"].choice_values) == SYMPTOMS
    assert MEDICAL_HISTORY <= set(Q.by_id["conditions"].choice_values)
    assert {
        "celiac",
        "ibd",
        "bowel_cancer",
        "stomach_cancer",
        "pernicious_anaemia",
        "autoimmune_thyroid",
        "type1_diabetes",
    } <= set(Q.by_id["family_history"].choice_values)


def test_each_symptom_has_severity_frequency_and_duration() -> None:
    for symptom in SYMPTOMS:
        assert Q.by_id[f"{symptom}_severity"].type == "scale"
        assert Q.by_id[f"{symptom}_frequency"].type == "single"
        assert Q.by_id[f"{symptom}_months"].unit == "months"


def test_alarm_questions_are_asked_directly_and_required() -> None:
    step = Q.step("alarm_symptoms")
    direct = [q for q in step.questions if q.shown_when is None]
    assert direct and all(q.required for q in direct)


def test_not_sure_is_offered_on_yes_no_questions() -> None:
    for q in Q.questions:
        if q.type == "single" and "yes" in q.choice_values and "no" in q.choice_values:
            assert "not_sure" in q.choice_values, q.id


def test_data_dictionary_describes_every_question() -> None:
    dictionary = Q.data_dictionary()
    assert dictionary["version"] == Q.version
    entries = {e["id"]: e for e in dictionary["questions"]}
    assert set(entries) == set(Q.by_id)
    for entry in entries.values():
        assert entry["type"] in QUESTION_TYPES
        assert "shown_when" in entry and "step" in entry and entry["label"]
    assert entries["ppi_last_dose_days"]["unit"] == "days ago"
    assert entries["ppi_drug"]["shown_when"] == {"question": "takes_ppi", "equals": "yes"}
    assert {d["id"] for d in dictionary["derived"]} >= {"age_years", "ppi_days_since_last_dose", "eats_gluten", "phq2_score"}


def test_follow_ups_depend_on_earlier_questions_only() -> None:
    seen: set[str] = set()
    for q in Q.questions:
        if q.shown_when:
            assert q.shown_when.question in seen, q.id
        seen.add(q.id)


def test_follow_up_visibility() -> None:
    ppi = Q.by_id["ppi_drug"]
    assert not ppi.is_shown({})
    assert ppi.is_shown({"takes_ppi": "yes"})
    assert Q.by_id["bloating_severity"].is_shown({"symptoms": ["bloating"]})
    assert not Q.by_id["bloating_severity"].is_shown({"symptoms": ["wind"]})
    assert Q.by_id["family_cancer_age"].is_shown({"family_history": ["stomach_cancer"]})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"version": "1", "steps": [{"id": "s", "title": "S", "questions": [{"id": "a", "type": "colour", "label": "A"}]}]},
            "type must be",
        ),
        (
            {"version": "1", "steps": [{"id": "s", "title": "S", "questions": [{"id": "a", "type": "single", "label": "A"}]}]},
            "needs choices",
        ),
        (
            {"version": "1", "steps": [{"id": "s", "title": "S", "questions": [{"id": "a", "type": "text", "label": "A"}] * 2}]},
            "defined twice",
        ),
        (
            {
                "version": "1",
                "steps": [
                    {
                        "id": "s",
                        "title": "S",
                        "questions": [{"id": "a", "type": "text", "label": "A", "shown_when": {"question": "z", "equals": 1}}],
                    }
                ],
            },
            "not an earlier question",
        ),
        (
            {
                "version": "1",
                "steps": [
                    {"id": "s", "title": "S", "questions": [{"id": "a", "type": "single", "label": "A", "choices": "nope"}]}
                ],
            },
            "unknown choice set",
        ),
    ],
)
def test_malformed_definitions_are_refused_with_a_message(document: dict, message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        parse_questionnaire(document)
