"""Turning answers given on questionnaire 2026.11-1 into the 2026.12-2 answers that carry the same facts.

A pure function: no questionnaire is loaded; the ids and values below are those of the two bundled files.

=====================================================  ================================================================
Version 1 (2026.11-1)                                  Version 2 (2026.12-2)
=====================================================  ================================================================
kept ids (name, dates, symptoms, bowel, alcohol,       copied unchanged
tests, smoking, mood screens, consents, ...)
``{symptom}_months`` of a ticked symptom               kept for the gut symptoms (the only ones version 2 asks it of)
``{symptom}_frequency``                                kept for abdominal_pain, heartburn, diarrhoea only
symptoms_started_months                                ``{symptom}_months`` of each ticked gut symptom without its own
the largest ``{symptom}_severity`` (first on ties)     worst_symptom (when 2+ symptoms) + worst_symptom_severity
hard_stools_percent + loose_stools_percent (both)      stool_pattern (over 25%: mostly_hard / mostly_loose / mixed;
                                                       else normal), as the version 1 IBS subtype
bowel_movements_per_day                                bowel_frequency: < 3/7 less_than_3_a_week, < 1
                                                       3_a_week_to_1_a_day, < 2.5 1_to_2_a_day, < 5.5 3_to_5_a_day,
                                                       else 6_or_more_a_day
the ten alarm questions                                warning_signs: those answered yes, plus not_sure with
                                                       warning_signs_unsure listing those answered not_sure; [none]
                                                       when none is yes or not_sure and one is no
nocturnal_bowel, mucus, oily_stools,                   bowel_features: those answered yes, or [none] when one is no
recent_stomach_bug                                     and none is yes or not_sure
weight_change lost, weight_change_intended no          warning_signs unintended_weight_loss, weight_lost_kg
(intended not_sure)                                    (warning_signs_unsure unintended_weight_loss)
bloody_stools_per_day, cannot_swallow_saliva,          kept when their warning sign is ticked
cannot_keep_fluids
conditions iron_deficiency_anaemia / b12_deficiency    known_anaemia iron_deficiency / b12_deficiency, unless it is
                                                       already one of those two (iron first); removed from conditions
conditions_other answered                              conditions includes other
triggers gluten, food_reactions wheat                  gluten_symptoms yes
triggers dairy, food_reactions dairy                   dairy_symptoms yes when it was unanswered or not_sure
dairy_amount none (dairy_symptoms unanswered)          dairy_symptoms no_milk
triggers fatty_meals, large_late_meals, alcohol,       triggers, the same values
coffee, none, not_sure
food_reactions onion_garlic, beans, fruit, spicy,      triggers, the same values (fatty → fatty_meals);
sweeteners, other, fatty; food_reactions_other         triggers_other
diets_tried gluten_free                                diets_tried other, "Gluten-free" first in diets_tried_other
takes_ppi yes (+ ppi_months)                           acid_medicines ppi, ppi_still_taking yes (+ ppi_months)
takes_h2_blocker yes                                   acid_medicines h2_blocker, h2_still_taking yes
takes_nsaid yes (+ nsaid_frequency, nsaid_months)      acid_medicines nsaid (+ nsaid_frequency, nsaid_months)
takes_antacid yes (+ antacid_frequency)                acid_medicines antacid (+ antacid_frequency), unless the only
                                                       kind ticked is bismuth; neither when last taken 29+ days ago
antacid_types bismuth                                  acid_medicines bismuth; antacid_last_dose_days (at most 28)
                                                       becomes bismuth_last_dose_days when bismuth is the only kind
other_medicines antibiotics, antibiotics_weeks_ago     acid_medicines antibiotics, antibiotics_last_dose_days
at most 4                                              = weeks × 7 (not ticked when longer ago or not known)
none of the above yes; one not_sure / one no           acid_medicines [not_sure] / [none]
other_medicines (without antibiotics)                  other_medicines ([none] when antibiotics was the only tick)
medicines_other                                        current_medicines: one row per line, the name only
hopes, weight_change_kg otherwise, ppi_drug,           dropped: version 2 does not ask them
ppi_frequency, ppi_last_dose_days, h2_drug,
h2_frequency, h2_months, h2_last_dose_days,
antacid_months, antacid_last_dose_days otherwise,
nsaid_drugs, drinks_per_week, processed_food,
sugary_food, fibre_portions, coffee_cups_per_day,
late_eating, large_meals, triggers stress,
stress_level, exercise_days, walk_after_meals,
sleep_hours
=====================================================  ================================================================

Exclusive choices (none, not_sure) are dropped from a list that also holds a real answer, as version 2 refuses them
together. Version 2 records the alarms (and the four bowel features) in one list, so once the list is answered one the
version 1 patient left blank reads as "no"; a bowel feature answered not_sure does too when another is yes.
"""

from __future__ import annotations

from collections.abc import Mapping

from triage.domain.questionnaire.values import Answer

ALARMS = tuple(
    "blood_in_stool black_stools vomited_blood swallowing_worse persistent_vomiting"
    " unintended_weight_loss fever_night_sweats perianal_problems abdominal_lump jaundice".split()
)
ALARM_FOLLOW_UPS = {
    "bloody_stools_per_day": "blood_in_stool",
    "cannot_swallow_saliva": "swallowing_worse",
    "cannot_keep_fluids": "persistent_vomiting",
}
BOWEL_FEATURES = ("nocturnal_bowel", "mucus", "oily_stools", "recent_stomach_bug")
KEPT = frozenset(
    "full_name date_of_birth sex_at_birth menopause_status heavy_periods height_cm weight_kg main_concern symptoms"
    " symptoms_trend pain_location rash_type bristol_type pain_and_bowels pain_with_frequency_change"
    " pain_with_form_change iron_tablets_no_help gluten_status gluten_reduced_months alcohol_frequency"
    " alcohol_typical_drinks alcohol_six_or_more plant_based family_cancer_age previous_tests test_celiac_on_gluten"
    " smoking smoking_quit_years phq_interest phq_down gad_nervous gad_worry consent_true consent_use".split()
)
MONTHS_FOR = tuple(
    "abdominal_pain wind bloating diarrhoea constipation alternating urgency heartburn regurgitation nausea vomiting"
    " swallowing early_fullness".split()
)
FREQUENCY_FOR = ("abdominal_pain", "heartburn", "diarrhoea")
EXCLUSIVE = ("none", "not_sure")
TRIGGERS = tuple("fatty_meals large_late_meals alcohol coffee onion_garlic beans fruit spicy sweeteners other".split())
REACTION_TRIGGERS = {"fatty": "fatty_meals", **{v: v for v in ("onion_garlic", "beans", "fruit", "spicy", "sweeteners", "other")}}
ACID_MEDICINES = ("ppi", "h2_blocker", "antacid", "bismuth", "antibiotics", "nsaid")
LAST_4_WEEKS_DAYS = 28
TABLE_ROWS, TEXT_LIMIT = 20, 200
# Upper ends of the bowel_frequency buckets, in bowel movements a day (the last bucket is open).
BOWEL_BUCKETS = ((3 / 7, "less_than_3_a_week"), (1.0, "3_a_week_to_1_a_day"), (2.5, "1_to_2_a_day"), (5.5, "3_to_5_a_day"))


def _strings(value: Answer | None) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _number(value: Answer | None) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _without_exclusive(values: list[str]) -> list[str]:
    real = [v for v in values if v not in EXCLUSIVE]
    return real if real else values[:1]


def _symptom_details(a: Mapping[str, Answer], out: dict[str, Answer]) -> None:
    ticked = _strings(a.get("symptoms"))
    started = a.get("symptoms_started_months")
    severities: list[tuple[int, str]] = []
    for symptom in ticked:
        months = a.get(f"{symptom}_months", started)
        if symptom in MONTHS_FOR and isinstance(months, int) and not isinstance(months, bool):
            out[f"{symptom}_months"] = months
        if symptom in FREQUENCY_FOR and f"{symptom}_frequency" in a:
            out[f"{symptom}_frequency"] = a[f"{symptom}_frequency"]
        severity = a.get(f"{symptom}_severity")
        if isinstance(severity, int) and not isinstance(severity, bool):
            severities.append((severity, symptom))
    if severities:
        worst = max(severities, key=lambda pair: pair[0])
        if len(ticked) >= 2:
            out["worst_symptom"] = worst[1]
        out["worst_symptom_severity"] = worst[0]


def _bowels(a: Mapping[str, Answer], out: dict[str, Answer]) -> None:
    hard, loose = _number(a.get("hard_stools_percent")), _number(a.get("loose_stools_percent"))
    if hard is not None and loose is not None:
        pattern = {(True, True): "mixed", (True, False): "mostly_hard", (False, True): "mostly_loose"}
        out["stool_pattern"] = pattern.get((hard > 25, loose > 25), "normal")
    features = _tick_list(a, BOWEL_FEATURES, {f for f in BOWEL_FEATURES if a.get(f) == "yes"})
    if features:
        out["bowel_features"] = features
    per_day = _number(a.get("bowel_movements_per_day"))
    if per_day is not None:
        out["bowel_frequency"] = next((name for upper, name in BOWEL_BUCKETS if per_day < upper), "6_or_more_a_day")


def _tick_list(a: Mapping[str, Answer], names: tuple[str, ...], yes: set[str], unsure: set[str] | None = None) -> list[str]:
    """The v2 tick-list for v1 yes/no/not sure questions: the yes ones (+ not_sure), else [none] if one was no."""
    if yes or unsure:
        return [n for n in names if n in yes] + (["not_sure"] if unsure else [])
    answered_no = any(a.get(n) == "no" for n in names)
    return ["none"] if answered_no and not any(a.get(n) == "not_sure" for n in names) else []


def _warning_signs(a: Mapping[str, Answer], out: dict[str, Answer]) -> None:
    yes = {alarm for alarm in ALARMS if a.get(alarm) == "yes"}
    unsure = {alarm for alarm in ALARMS if a.get(alarm) == "not_sure"}
    if a.get("weight_change") == "lost":
        intended = a.get("weight_change_intended")
        if intended == "no":
            yes.add("unintended_weight_loss")
        elif intended == "not_sure":
            unsure.add("unintended_weight_loss")
    unsure -= yes
    signs = _tick_list(a, ALARMS, yes, unsure)
    if signs:
        out["warning_signs"] = signs
    if unsure:
        out["warning_signs_unsure"] = [alarm for alarm in ALARMS if alarm in unsure]
    for follow_up, alarm in ALARM_FOLLOW_UPS.items():
        if alarm in yes and follow_up in a:
            out[follow_up] = a[follow_up]
    lost = _number(a.get("weight_change_kg"))
    if "unintended_weight_loss" in yes and a.get("weight_change") == "lost" and lost is not None:
        out["weight_lost_kg"] = lost


def _conditions(a: Mapping[str, Answer], out: dict[str, Answer]) -> None:
    given = _strings(a.get("conditions"))
    known = a.get("known_anaemia")
    if known not in ("iron_deficiency", "b12_deficiency"):
        if "iron_deficiency_anaemia" in given:
            known = "iron_deficiency"
        elif "b12_deficiency" in given:
            known = "b12_deficiency"
    if known is not None:
        out["known_anaemia"] = known
    conditions = [c for c in given if c not in ("iron_deficiency_anaemia", "b12_deficiency")]
    if isinstance(a.get("conditions_other"), str) and a["conditions_other"]:
        out["conditions_other"] = a["conditions_other"]
        conditions = [c for c in conditions if c != "none"] + ["other"]
    if conditions:
        out["conditions"] = _without_exclusive(conditions)
    elif given:
        out["conditions"] = ["none"]
    if _strings(a.get("family_history")):
        out["family_history"] = _without_exclusive(_strings(a.get("family_history")))


def _food(a: Mapping[str, Answer], out: dict[str, Answer]) -> None:
    triggers, reactions = _strings(a.get("triggers")), _strings(a.get("food_reactions"))
    if "gluten" in triggers or "wheat" in reactions:
        out["gluten_symptoms"] = "yes"
    dairy = a.get("dairy_symptoms")
    if ("dairy" in triggers or "dairy" in reactions) and dairy in (None, "not_sure"):
        dairy = "yes"
    elif dairy is None and a.get("dairy_amount") == "none":
        dairy = "no_milk"
    if dairy is not None:
        out["dairy_symptoms"] = dairy
    named = set(triggers) | {REACTION_TRIGGERS[r] for r in reactions if r in REACTION_TRIGGERS}
    chosen = [t for t in TRIGGERS if t in named]
    if chosen:
        out["triggers"] = chosen
    elif "none" in triggers or "none" in reactions:
        out["triggers"] = ["none"]
    elif "not_sure" in triggers:
        out["triggers"] = ["not_sure"]
    if "other" in chosen and isinstance(a.get("food_reactions_other"), str):
        out["triggers_other"] = a["food_reactions_other"]
    _diets(a, out)


def _diets(a: Mapping[str, Answer], out: dict[str, Answer]) -> None:
    tried = _strings(a.get("diets_tried"))
    given = a.get("diets_tried_other")
    other_text = given if isinstance(given, str) else ""
    if "gluten_free" in tried:
        tried = [d for d in tried if d not in ("gluten_free", "other")] + ["other"]
        other_text = "; ".join(t for t in ("Gluten-free", other_text) if t)[:TEXT_LIMIT].rstrip()
    if tried:
        out["diets_tried"] = _without_exclusive(tried)
    if other_text and "other" in tried:
        out["diets_tried_other"] = other_text
    if "diet_helped" in a and any(d in tried for d in ("dairy_free", "low_fodmap", "other")):
        out["diet_helped"] = a["diet_helped"]


def _medicines(a: Mapping[str, Answer], out: dict[str, Answer]) -> None:
    taken: set[str] = set()
    if a.get("takes_ppi") == "yes":
        taken.add("ppi")
        out["ppi_still_taking"] = "yes"
        if "ppi_months" in a:
            out["ppi_months"] = a["ppi_months"]
    if a.get("takes_h2_blocker") == "yes":
        taken.add("h2_blocker")
        out["h2_still_taking"] = "yes"
    if a.get("takes_nsaid") == "yes":
        taken.add("nsaid")
        out.update({k: a[k] for k in ("nsaid_frequency", "nsaid_months") if k in a})
    kinds = _strings(a.get("antacid_types"))
    days = a.get("antacid_last_dose_days")  # version 2 asks about the last 4 weeks only
    if a.get("takes_antacid") == "yes" and not (isinstance(days, int) and days > LAST_4_WEEKS_DAYS):
        if kinds != ["bismuth"]:
            taken.add("antacid")
            if "antacid_frequency" in a:
                out["antacid_frequency"] = a["antacid_frequency"]
        if "bismuth" in kinds:
            taken.add("bismuth")
            if kinds == ["bismuth"] and isinstance(days, int) and 0 <= days <= LAST_4_WEEKS_DAYS:
                out["bismuth_last_dose_days"] = days
    others = _strings(a.get("other_medicines"))
    weeks = a.get("antibiotics_weeks_ago")
    if "antibiotics" in others and isinstance(weeks, int) and 0 <= weeks * 7 <= LAST_4_WEEKS_DAYS:
        taken.add("antibiotics")
        out["antibiotics_last_dose_days"] = weeks * 7
    asked = [a.get(k) for k in ("takes_ppi", "takes_h2_blocker", "takes_antacid", "takes_nsaid")]
    if taken:
        out["acid_medicines"] = [m for m in ACID_MEDICINES if m in taken]
    elif "not_sure" in asked:
        out["acid_medicines"] = ["not_sure"]
    elif "no" in asked:
        out["acid_medicines"] = ["none"]
    rest = [m for m in others if m != "antibiotics"]
    if rest or others:
        out["other_medicines"] = _without_exclusive(rest) if rest else ["none"]
    text = a.get("medicines_other")
    if isinstance(text, str):
        names = [line.strip()[:TEXT_LIMIT].rstrip() for line in text.splitlines() if line.strip()]
        if names:
            out["current_medicines"] = [[name, "", ""] for name in names[:TABLE_ROWS]]


def upgrade_answers(v1_answers: Mapping[str, Answer]) -> dict[str, Answer]:
    """The version 2 answers carrying the same facts as these version 1 answers (see the module's table)."""
    out: dict[str, Answer] = {k: v for k, v in v1_answers.items() if k in KEPT or k.startswith("test_")}
    _symptom_details(v1_answers, out)
    _bowels(v1_answers, out)
    _warning_signs(v1_answers, out)
    _conditions(v1_answers, out)
    _food(v1_answers, out)
    _medicines(v1_answers, out)
    return out
