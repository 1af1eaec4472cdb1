"""The bundled questionnaire (forms/questionnaire.yaml, version 6 on version 2's questions): eight fixed sections, each
fact asked once, and the follow-ups, exclusive choices, units and tables that the derived facts and the web pages build
on. Versions 2 to 5 (2026.12-2 to 2026.12-5) stay bundled for the intakes answered on them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from triage.domain.questionnaire.derived import DERIVED_FACTS, derive_facts
from triage.domain.questionnaire.questions import (
    CompoundShownWhen,
    Question,
    ShownWhen,
    default_questionnaire,
    questionnaire_for,
)
from triage.domain.questionnaire.synthetic import random_intake

V2, V3, V4, V5, V6 = "2026.12-2", "2026.12-3", "2026.12-4", "2026.12-5", "2026.12-6"
Q = default_questionnaire()
V1 = questionnaire_for("2026.11-1")
SECTIONS = [
    ("about_you", "About you"),
    ("symptoms", "Your symptoms"),
    ("bowels", "Your bowel habits"),
    ("warning_signs", "Important warning signs"),
    ("food_drink", "Food and drink"),
    ("medicines", "Medicines and allergies"),
    ("health", "Your health and wellbeing"),
    ("check_and_send", "Check and send"),
]
WARNING_SIGNS = [
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
]
BOWEL_FEATURES = ["nocturnal_bowel", "mucus", "oily_stools", "recent_stomach_bug"]
KEPT = """full_name date_of_birth sex_at_birth menopause_status heavy_periods height_cm weight_kg main_concern symptoms
symptoms_trend pain_location rash_type bristol_type pain_and_bowels pain_with_frequency_change pain_with_form_change
bloody_stools_per_day cannot_swallow_saliva cannot_keep_fluids known_anaemia iron_tablets_no_help gluten_status
gluten_reduced_months dairy_symptoms alcohol_frequency alcohol_typical_drinks alcohol_six_or_more plant_based ppi_months
ppi_last_dose_days h2_last_dose_days antacid_frequency nsaid_frequency nsaid_months conditions conditions_other
family_history family_cancer_age previous_tests test_celiac_on_gluten smoking smoking_quit_years phq_interest phq_down
gad_nervous gad_worry consent_true""".split()
# Gone from version 2; the yes/no facts among them are derived facts now (see test_questionnaire_v2_derived.py).
REMOVED = (
    """weight_change weight_change_kg weight_change_intended symptoms_started_months hard_stools_percent
loose_stools_percent bowel_movements_per_day food_reactions food_reactions_other drinks_per_week processed_food sugary_food
fibre_portions coffee_cups_per_day late_eating large_meals takes_ppi takes_h2_blocker takes_antacid medicines_other
exercise_days walk_after_meals sleep_hours hopes stress_level dairy_amount ppi_drug ppi_frequency h2_drug h2_frequency
h2_months antacid_types antacid_months antacid_last_dose_days antacid_still_taking nsaid_drugs takes_nsaid
antibiotics_weeks_ago""".split()
    + WARNING_SIGNS
    + BOWEL_FEATURES
)
GUT_SYMPTOMS = {"abdominal_pain", "bloating", "wind", "diarrhoea", "constipation", "heartburn", "nausea", "vomiting"}


def choices(qid: str) -> list[str]:
    return list(Q.by_id[qid].choice_values)


def exclusive(qid: str) -> set[str]:
    return set(Q.by_id[qid].exclusive_values)


def shown(question: Question) -> tuple[str, str, object] | None:
    when = question.shown_when
    if isinstance(when, CompoundShownWhen):
        raise AssertionError(f"{question.id} is shown for a combination of answers: compare its tests instead")
    return None if when is None else (when.question, when.operator, when.value)


def test_the_current_file_is_version_6_and_versions_1_to_5_stay_bundled() -> None:
    assert Q.version == V6 and questionnaire_for(V6) is Q and V1.version == "2026.11-1"
    assert [questionnaire_for(v).version for v in (V2, V3, V4, V5)] == [V2, V3, V4, V5]


# Version 6's pages: three steps of version 5 end an earlier page of their own section, in the same order.
MERGED = {"your_concern": "about_you", "medicines_list": "medicines", "wellbeing": "history"}


def test_version_6_asks_version_5s_questions_on_three_fewer_pages() -> None:
    v5 = questionnaire_for(V5)
    expected = {s.id: [q.id for q in s.questions] for s in v5.steps if s.id not in MERGED}
    for old, new in MERGED.items():
        assert v5.step(old).section == v5.step(new).section, old  # each joins a page of its own section
        expected[new] += [q.id for q in v5.step(old).questions]
    assert {s.id: [q.id for q in s.questions] for s in Q.steps} == expected
    assert [s.id for s in Q.steps] == list(expected) and len(Q.steps) == len(v5.steps) - 3
    assert Q.sections == v5.sections  # the progress still counts the same eight sections
    # The mood grid keeps its legend: the health page's intro is the wellbeing page's.
    assert Q.step("history").intro == v5.step("wellbeing").intro and len(Q.step("history").grid) == 4
    moved = {q.id for q in Q.questions if q.step != v5.by_id[q.id].step}
    assert {v5.by_id[qid].step for qid in moved} == set(MERGED)
    same_page = [dataclasses.replace(q, step=v5.by_id[q.id].step) for q in Q.questions]
    assert [q.id for q in same_page if _unworded(q) != _unworded(v5.by_id[q.id])] == []
    # Besides two step titles, one choice label and the consent box change wording (each translated in the catalogs).
    relabelled = {q.id for q in Q.questions if q.choices != v5.by_id[q.id].choices}
    assert relabelled == {"bowel_frequency"}
    assert Q.by_id["bowel_frequency"].choice_label("3_a_week_to_1_a_day") == "3 to 6 a week"  # once a day: 1 or 2 a day
    assert Q.by_id["consent_true"].label != v5.by_id["consent_true"].label
    assert (Q.step("history").title, Q.step("medicines").title) == ("Your health", "Medicines and allergies")


def _unworded(question: Question) -> Question:
    """The question without its labels and help: its type, choice values, condition, limits and short label stay."""
    choices = tuple(dataclasses.replace(c, label="") for c in question.choices)
    return dataclasses.replace(question, label="", help="", choices=choices)


def test_version_5_is_version_4_in_shorter_words() -> None:
    v4, v5 = questionnaire_for(V4), questionnaire_for(V5)
    steps = [(s.id, s.section, [q.id for q in s.questions]) for s in v5.steps]
    assert steps == [(s.id, s.section, [q.id for q in s.questions]) for s in v4.steps]
    assert [q.id for q in v5.questions if _unworded(q) != _unworded(v4.by_id[q.id])] == []
    assert {"conditions", "warning_signs"} <= {q.id for q in v5.questions if q != v4.by_id[q.id]}


def test_version_4_asks_about_heavy_periods_only_with_anaemia_and_is_otherwise_version_3() -> None:
    v3, v4 = questionnaire_for(V3), questionnaire_for(V4)
    assert set(v4.by_id) == set(v3.by_id)
    heavy = v4.by_id["heavy_periods"]
    # Moved next to the anaemia question, which its condition reads together with the periods answer.
    assert (v3.by_id["heavy_periods"].step, heavy.step) == ("about_you", "alarm_symptoms")
    alarm = [q.id for q in v4.step("alarm_symptoms").questions]
    assert alarm.index("heavy_periods") == alarm.index("iron_tablets_no_help") + 1
    assert heavy.shown_when == CompoundShownWhen(
        "all",
        (
            ShownWhen("menopause_status", "one_of", ["still_periods", "perimenopause"]),
            ShownWhen("known_anaemia", "one_of", ["iron_deficiency", "other"]),
        ),
    )
    woman = {"sex_at_birth": "female", "menopause_status": "still_periods"}
    assert v3.by_id["heavy_periods"].is_shown(woman | {"known_anaemia": "no"})
    assert not heavy.is_shown(woman | {"known_anaemia": "no"})
    assert heavy.is_shown(woman | {"known_anaemia": "iron_deficiency"}) and heavy.is_shown(woman | {"known_anaemia": "other"})
    assert not heavy.is_shown({"menopause_status": "postmenopause", "known_anaemia": "iron_deficiency"})
    # Every other question keeps its version 3 step, wording and condition.
    for question in v4.questions:
        if question.id != "heavy_periods":
            assert question == v3.by_id[question.id], question.id


def test_version_3_on_keeps_version_2s_ids_but_one_confirmation_box() -> None:
    v2 = questionnaire_for(V2)
    assert set(v2.by_id) - set(Q.by_id) == {"consent_use"}
    # Version 3 adds the earlier liver blood test (its when and result), a reason to consider coeliac testing (NG20).
    assert set(Q.by_id) - set(v2.by_id) == {"test_liver_blood_months_ago", "test_liver_blood_result"}
    review = next(s for s in Q.steps if s.is_review)
    assert [q.id for q in review.questions] == ["consent_true"]
    assert "my clinic will use them" in Q.by_id["consent_true"].label and Q.by_id["consent_true"].required


def test_version_3_on_takes_the_name_and_date_of_birth_from_the_invitation() -> None:
    assert {q.id: q.from_invitation for q in Q.questions if q.from_invitation} == {
        "full_name": "patient_name",
        "date_of_birth": "date_of_birth",
    }
    assert not any(q.from_invitation for q in questionnaire_for(V2).questions)
    assert Q.by_id["date_of_birth"].describe()["from_invitation"] == "date_of_birth"


def test_eight_fixed_sections_with_the_review_in_the_last() -> None:
    assert [(s.id, s.title) for s in Q.sections] == SECTIONS
    review = next(s for s in Q.steps if s.is_review)
    assert Q.section_of(review) == (8, Q.sections[-1]) and review.title == "Check your answers"
    low, high = Q.estimated_minutes or (0, 0)
    assert 1 <= low <= high


def test_kept_ids_stay_and_removed_ids_are_gone() -> None:
    assert [qid for qid in KEPT if qid not in Q.by_id] == []
    assert [qid for qid in REMOVED if qid in Q.by_id] == []
    assert not any(qid.endswith("_severity") and qid != "worst_symptom_severity" for qid in Q.by_id)
    # Version 3 adds one symptom: unsteady walking or poor balance, a B12 nerve symptom (rf_b12_neurological).
    assert set(choices("symptoms")) - set(V1.by_id["symptoms"].choice_values) == {"unsteady"}
    assert set(V1.by_id["symptoms"].choice_values) <= set(choices("symptoms"))


def test_about_you_asks_dates_in_boxes_and_offers_imperial_units() -> None:
    dob = Q.by_id["date_of_birth"]
    assert (dob.type, dob.min_age, dob.max_age) == ("date", 16, 110)
    assert (Q.by_id["height_cm"].imperial, Q.by_id["height_cm"].unit) == ("feet_inches", "cm")
    assert (Q.by_id["weight_kg"].imperial, Q.by_id["weight_kg"].unit) == ("stones_pounds", "kg")


def test_gut_symptoms_get_a_compact_duration_and_three_a_frequency() -> None:
    durations = {qid.removesuffix("_months") for qid in Q.by_id if qid.removesuffix("_months") in choices("symptoms")}
    assert GUT_SYMPTOMS <= durations
    for symptom in durations:
        months = Q.by_id[f"{symptom}_months"]
        assert months.compact and months.unit == "months" and shown(months) == ("symptoms", "includes", symptom)
    frequencies = {qid.removesuffix("_frequency") for qid in Q.by_id if qid.removesuffix("_frequency") in choices("symptoms")}
    assert frequencies == {"abdominal_pain", "heartburn", "diarrhoea"}


def test_the_worst_symptom_is_asked_once() -> None:
    worst, severity = Q.by_id["worst_symptom"], Q.by_id["worst_symptom_severity"]
    assert (worst.type, worst.choices_from, shown(worst)) == ("single", "symptoms", ("symptoms", "at_least", 2))
    assert (severity.type, severity.min, severity.max) == ("scale", 0, 10)
    assert shown(severity) == ("symptoms", "answered", True)


def test_bowel_pattern_and_frequency_are_chosen_not_typed() -> None:
    assert choices("stool_pattern") == ["mostly_hard", "mostly_loose", "mixed", "normal", "not_sure"]
    assert choices("bowel_frequency") == [
        "less_than_3_a_week",
        "3_a_week_to_1_a_day",
        "1_to_2_a_day",
        "3_to_5_a_day",
        "6_or_more_a_day",
        "not_sure",
    ]
    assert [c.picture for c in Q.by_id["bristol_type"].choices if c.picture] == [f"bristol-{n}.svg" for n in range(1, 8)]


def test_warning_signs_are_one_list_with_their_follow_ups() -> None:
    signs = Q.by_id["warning_signs"]
    assert signs.type == "multi" and signs.required
    assert choices("warning_signs") == [*WARNING_SIGNS, "not_sure", "none"]
    assert exclusive("warning_signs") == {"none"}
    assert choices("warning_signs_unsure") == WARNING_SIGNS
    assert shown(Q.by_id["warning_signs_unsure"]) == ("warning_signs", "includes", "not_sure")
    for follow_up, sign in [
        ("bloody_stools_per_day", "blood_in_stool"),
        ("cannot_swallow_saliva", "swallowing_worse"),
        ("cannot_keep_fluids", "persistent_vomiting"),
        ("weight_lost_kg", "unintended_weight_loss"),
        ("weight_lost_months", "unintended_weight_loss"),
    ]:
        assert shown(Q.by_id[follow_up]) == ("warning_signs", "includes", sign), follow_up
    lost = Q.by_id["weight_lost_kg"]
    assert (lost.type, lost.imperial, lost.unit) == ("number", "stones_pounds", "kg")
    assert Q.by_id["weight_lost_months"].type == "integer"


def test_bowel_features_are_one_list() -> None:
    features = Q.by_id["bowel_features"]
    assert features.type == "multi" and features.required
    assert choices("bowel_features") == [*BOWEL_FEATURES, "none"] and exclusive("bowel_features") == {"none"}


def test_food_and_drink_choices_with_their_exclusive_answers() -> None:
    assert choices("triggers") == [
        "fatty_meals",
        "large_late_meals",
        "alcohol",
        "coffee",
        "onion_garlic",
        "beans",
        "fruit",
        "spicy",
        "sweeteners",
        "other",
        "none",
        "not_sure",
    ]
    assert exclusive("triggers") == {"none", "not_sure"}
    assert shown(Q.by_id["triggers_other"]) == ("triggers", "includes", "other")
    assert choices("diets_tried") == ["dairy_free", "low_fodmap", "other", "none"] and exclusive("diets_tried") == {"none"}
    assert {"diets_tried_other", "diet_helped"} <= set(Q.by_id)
    assert Q.by_id["gluten_symptoms"].type == "single"
    assert "no_milk" in choices("dairy_symptoms")


def test_one_list_asks_which_acid_medicines_were_taken_in_the_last_4_weeks() -> None:
    acid = Q.by_id["acid_medicines"]
    assert acid.type == "multi" and acid.required
    assert choices("acid_medicines") == ["ppi", "h2_blocker", "antacid", "bismuth", "antibiotics", "nsaid", "none", "not_sure"]
    assert exclusive("acid_medicines") == {"none", "not_sure"}
    for medicine, value in (("ppi", "ppi"), ("h2", "h2_blocker")):
        assert set(choices(f"{medicine}_still_taking")) >= {"yes", "no"}
        assert shown(Q.by_id[f"{medicine}_still_taking"]) == ("acid_medicines", "includes", value)
        assert shown(Q.by_id[f"{medicine}_last_dose_days"]) == (f"{medicine}_still_taking", "equals", "no")
    for follow_up, value in [
        ("antacid_frequency", "antacid"),
        ("bismuth_last_dose_days", "bismuth"),
        ("antibiotics_last_dose_days", "antibiotics"),
        ("nsaid_frequency", "nsaid"),
        ("nsaid_months", "nsaid"),
    ]:
        assert shown(Q.by_id[follow_up]) == ("acid_medicines", "includes", value), follow_up
    assert Q.by_id["bismuth_last_dose_days"].type == Q.by_id["antibiotics_last_dose_days"].type == "integer"


def test_other_medicines_allergies_and_the_medicines_table() -> None:
    assert "antibiotics" not in choices("other_medicines") and exclusive("other_medicines") == {"none"}
    table = Q.by_id["current_medicines"]
    assert table.type == "table"
    assert [(c.id, c.label) for c in table.columns] == [("name", "Medicine"), ("dose", "Dose"), ("how_often", "How often")]
    assert choices("allergies") == ["none", "yes", "not_sure"]
    assert Q.by_id["allergies_details"].type == "longtext"
    assert shown(Q.by_id["allergies_details"]) == ("allergies", "equals", "yes")


def test_history_choices_each_asked_once() -> None:
    assert {"none", "not_sure"} <= exclusive("family_history")
    assert "none" in exclusive("conditions")
    assert not {"iron_deficiency_anaemia", "b12_deficiency"} & set(choices("conditions"))
    assert shown(Q.by_id["conditions_other"]) == ("conditions", "includes", "other")


def test_derived_facts_compute_from_random_version_2_intakes() -> None:
    rng = random.Random(7)
    on = dt.date(2026, 12, 1)
    seen: dict[str, set[object]] = {d.id: set() for d in DERIVED_FACTS}
    for _ in range(300):
        for key, value in derive_facts(random_intake(Q, rng, on, answer_rate=1.0), on).items():
            seen[key].add(value)
    never = [key for key, values in seen.items() if values <= {None}]
    assert never == []


def test_the_date_of_birth_is_named_by_its_short_label_in_messages() -> None:
    assert Q.by_id["date_of_birth"].short_label == "Date of birth"
