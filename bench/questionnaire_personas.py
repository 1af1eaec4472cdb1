"""The patients bench/questionnaire.py walks: each described once in plain facts, with one answer builder per version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from triage.domain.questionnaire.known import invitation_details
from triage.domain.questionnaire.values import Answer

WARNING_SIGNS = (
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
)
V1_TRIGGERS = ("gluten", "dairy", "fatty_meals", "large_late_meals", "alcohol", "coffee", "stress")
V2_TRIGGERS = ("fatty_meals", "large_late_meals", "alcohol", "coffee", "onion_garlic", "beans", "fruit", "spicy", "sweeteners")
V1_FOOD_REACTIONS = {"gluten": "wheat", "dairy": "dairy", "fatty_meals": "fatty", "onion_garlic": "onion_garlic"}
V1_FOOD_REACTIONS |= {"beans": "beans", "fruit": "fruit", "spicy": "spicy", "sweeteners": "sweeteners"}
V2_FREQUENCY_ASKED = ("abdominal_pain", "heartburn", "diarrhoea")
# The gut symptoms v2 asks "how many months" for (v1 asked it for every ticked symptom).
V2_MONTHS_ASKED: tuple[str, ...] = ("abdominal_pain", "bloating", "wind", "diarrhoea", "constipation", "alternating")
V2_MONTHS_ASKED += ("urgency", "heartburn", "regurgitation", "nausea", "vomiting", "swallowing", "early_fullness")
BRISTOL = {"mostly_hard": "1", "mostly_loose": "6", "mixed": "not_sure", "normal": "4"}
HARD_LOOSE_PERCENT = {"mostly_hard": (60, 0), "mostly_loose": (0, 60), "mixed": (40, 40), "normal": (0, 0)}
# Upper bounds of the v2 bowel_frequency bands, in motions a day.
FREQUENCY_BANDS = ((0.43, "less_than_3_a_week"), (1.0, "3_a_week_to_1_a_day"), (2.0, "1_to_2_a_day"), (5.0, "3_to_5_a_day"))


@dataclass(frozen=True)
class Persona:
    """One patient in plain facts; both versions' answers are built from these."""

    key: str
    summary: str
    age: int
    sex: str
    symptoms: tuple[str, ...]
    months: int  # how long the longest symptom has lasted
    concern: str
    hopes: str = ""
    severity: int = 5
    trend: str = "same"
    periods: str = ""  # menopause_status, for women
    stool: str = "normal"  # mostly_hard, mostly_loose, mixed or normal
    per_day: float = 1.5
    night: str = "no"
    mucus: str = "no"
    bug: str = "no"
    pain_where: tuple[str, ...] = ("lower_left",)
    rash: str = ""
    warning: tuple[str, ...] = ()  # the WARNING_SIGNS the patient has
    bloody_per_day: int = 0
    lost_kg: float = 0.0
    lost_months: int = 0
    anaemia: str = "no"  # known_anaemia
    iron_no_help: str = "no"
    gluten: str = "regular"  # gluten_status
    gluten_months: int = 0
    wheat_upset: str = "no"
    milk_upset: str = "no"  # yes, no, not_sure or no_milk
    alcohol: tuple[str, str, str] = ("1", "0", "0")  # the three AUDIT-C answers
    triggers: tuple[str, ...] = ()  # V2_TRIGGERS plus gluten, dairy and stress
    diets: tuple[str, ...] = ()  # dairy_free, low_fodmap, other
    diet_helped: str = ""
    ppi_months: int | None = None  # None: no stomach-acid tablet in the last 4 weeks
    ppi_stopped_days: int | None = None  # None: still taking it
    h2: bool = False
    antacid: str = ""  # how often, "" for none
    antibiotics_days: int | None = None  # days since the last antibiotic, None for none in 3 months
    nsaid: str = ""  # how often, "" for none
    nsaid_months: int = 0
    supplements: tuple[str, ...] = ()  # other_medicines values except antibiotics
    medicines: tuple[tuple[str, str, str], ...] = ()  # name, dose, how often
    allergy: str = ""
    conditions: tuple[str, ...] = ()  # values both versions offer
    other_condition: str = ""
    family: tuple[str, ...] = ()
    tests: tuple[tuple[str, int, str], ...] = ()  # test, months ago, result
    smoking: str = "never"
    mood: str = "0"  # every PHQ-2 and GAD-2 answer
    # The details the patient's invitation holds: an email or text invitation made from the appointment list has the
    # name and date of birth (a link sent by message must carry a date of birth); one made by hand may have neither.
    invitation: tuple[str, ...] = ("patient_name", "date_of_birth")


OMEPRAZOLE = ("Omeprazole", "20 mg", "once a day")
# One persona a paragraph reads better than one argument a line.
# fmt: off
PERSONAS = (
    Persona("reflux_41", "one symptom: heartburn, antacids now and then", 41, "male", ("heartburn",), 6,
            "Heartburn after meals.", antacid="occasionally", triggers=("large_late_meals", "spicy"), alcohol=("2", "0", "1")),
    Persona("ibs_d_28", "IBS-D woman, 28", 28, "female", ("abdominal_pain", "bloating", "diarrhoea", "urgency", "wind"), 18,
            "Cramps and loose poo most days, worse at work.", periods="still_periods", stool="mostly_loose", per_day=3,
            triggers=("fatty_meals", "coffee", "onion_garlic", "stress"), diets=("low_fodmap",), diet_helped="partly",
            mood="1", conditions=("ibs",), alcohol=("2", "1", "1")),
    Persona("coeliac_like_27", "iron deficiency, tired, loose stools, 27", 27, "female",
            ("fatigue", "bloating", "diarrhoea", "mouth_ulcers", "breathless"), 24, "Always tired and my iron is low.",
            periods="still_periods", stool="mostly_loose", per_day=2, anaemia="iron_deficiency", iron_no_help="yes",
            wheat_upset="not_sure", supplements=("iron",), medicines=(("Ferrous fumarate", "210 mg", "twice a day"),),
            family=("celiac",), tests=(("blood_count_iron", 2, "abnormal"),)),
    Persona("dysphagia_68", "older man, food sticking, weight loss", 68, "male", ("swallowing", "heartburn", "early_fullness"), 4,
            "Food sticks in my chest and I have lost weight.", trend="worse",
            warning=("swallowing_worse", "unintended_weight_loss"),
            lost_kg=6, lost_months=3, ppi_months=3, medicines=(OMEPRAZOLE, ("Amlodipine", "5 mg", "once a day")),
            smoking="former", alcohol=("3", "1", "1"), invitation=()),
    Persona("uc_like_19", "bloody diarrhoea, 19", 19, "male", ("diarrhoea", "urgency", "abdominal_pain"), 2,
            "Diarrhoea with blood for 2 months.", trend="worse", stool="mostly_loose", per_day=7, night="yes", mucus="yes",
            warning=("blood_in_stool",), bloody_per_day=5, pain_where=("lower_left",), alcohol=("2", "1", "2"),
            invitation=("date_of_birth",)),
    Persona("ppi_b12_62", "long-term PPI, low B12, 62", 62, "female", ("fatigue", "numbness", "brain_fog", "heartburn"), 36,
            "Tingling feet and tiredness; my B12 was low.", periods="postmenopause", anaemia="b12_deficiency", ppi_months=96,
            supplements=("b12_injections",), medicines=(OMEPRAZOLE, ("Levothyroxine", "75 micrograms", "once a day")),
            conditions=("autoimmune_thyroid",), tests=(("vitamin_b12", 3, "abnormal"), ("blood_count_iron", 3, "normal")),
            invitation=()),
    Persona("constipation_55", "constipation and bloating, 55", 55, "female", ("constipation", "bloating", "abdominal_pain"), 60,
            "I only go twice a week and feel bloated.", periods="postmenopause", stool="mostly_hard", per_day=0.3,
            pain_where=("lower_left", "all_over"), medicines=(("Macrogol", "1 sachet", "most days"),),
            tests=(("colonoscopy", 24, "normal"),)),
    Persona("lactose_33", "wind and loose stools after milk, 33", 33, "male", ("bloating", "wind", "diarrhoea"), 12,
            "Bloating and wind after milky drinks.", stool="mostly_loose", milk_upset="yes", triggers=("dairy",),
            diets=("dairy_free",), diet_helped="yes", alcohol=("2", "1", "0")),
    Persona("post_infective_36", "loose stools since food poisoning, 36", 36, "male",
            ("diarrhoea", "urgency", "abdominal_pain", "bloating"), 4, "Since food poisoning on holiday I have diarrhoea.",
            stool="mostly_loose", per_day=4, antibiotics_days=100, tests=(("calprotectin", 1, "normal"),),
            alcohol=("3", "0", "1")),
    Persona("midlife_48", "5-6 symptoms, midlife woman", 48, "female",
            ("bloating", "abdominal_pain", "constipation", "fatigue", "heartburn", "anxiety_low_mood"), 30,
            "Bloating and tummy pain, and reflux at night.", periods="perimenopause", stool="mixed", per_day=1,
            pain_where=("upper", "around_navel"), antacid="most_days", nsaid="occasionally", nsaid_months=12,
            triggers=("large_late_meals", "fatty_meals", "stress"), mood="2", supplements=("vitamin_d",),
            medicines=(("Sertraline", "50 mg", "once a day"),), tests=(("h_pylori", 12, "normal"),), alcohol=("3", "0", "1")),
    Persona("leaky_gut_45", "14 symptoms, 'leaky gut', PPI 2 years, gluten-free 2 months", 45, "female",
            ("bloating", "diarrhoea", "wind", "fatigue", "abdominal_pain", "heartburn", "nausea", "early_fullness",
             "headaches", "joint_pain", "brain_fog", "skin_rash", "anxiety_low_mood", "mouth_ulcers"), 60,
            "I think I have leaky gut. Everything I eat makes me bloated and tired.", hopes="Tests for food intolerances.",
            severity=8, trend="varies", periods="still_periods", stool="mixed", per_day=2, pain_where=("all_over",), rash="other",
            gluten="gluten_free", gluten_months=2, wheat_upset="yes", milk_upset="yes", ppi_months=24, mood="2",
            triggers=("fatty_meals", "coffee", "onion_garlic", "beans", "fruit", "sweeteners", "gluten", "dairy", "stress"),
            diets=("low_fodmap", "dairy_free"), diet_helped="partly", supplements=("probiotics", "zinc", "vitamin_d", "biotin"),
            medicines=(OMEPRAZOLE, ("Probiotic", "1 capsule", "daily"), ("Zinc", "25 mg", "daily"),
                       ("Vitamin D", "1000 IU", "daily")),
            allergy="Penicillin gives me a rash.", family=("not_sure",), tests=(("blood_count_iron", 6, "normal"),)),
)
# fmt: on
FOURTEEN_SYMPTOMS = "leaky_gut_45"
NAME = "Sam Example"
# The older two have no email or mobile on record: the clinic gave them the link on paper, made without details; the
# 19-year-old was invited by text from the worklist form with a date of birth and no name.


def born(p: Persona, today: dt.date) -> dt.date:
    """The persona's date of birth (1 January of the year that gives their age)."""
    return dt.date(today.year - p.age, 1, 1)


def invitation_of(p: Persona, today: dt.date) -> dict[str, str]:
    """The details the persona's invitation holds, as triage.domain.questionnaire.known reads them."""
    return invitation_details(
        NAME if "patient_name" in p.invitation else None, born(p, today) if "date_of_birth" in p.invitation else None
    )


def _shared(p: Persona, today: dt.date) -> dict[str, Answer]:
    """The answers both versions ask the same way (questions not shown to this persona are ignored by the walk)."""
    a: dict[str, Answer] = {
        "full_name": NAME,
        "date_of_birth": born(p, today).isoformat(),
        "sex_at_birth": p.sex,
        "height_cm": 178.0 if p.sex == "male" else 164.0,
        "weight_kg": 80.0 if p.sex == "male" else 66.0,
        "main_concern": p.concern,
        "symptoms": list(p.symptoms),
        "symptoms_trend": p.trend,
        "pain_location": list(p.pain_where),
        "bristol_type": BRISTOL[p.stool],
        "bloody_stools_per_day": p.bloody_per_day,
        "known_anaemia": p.anaemia,
        "iron_tablets_no_help": p.iron_no_help,
        "gluten_status": p.gluten,
        "gluten_reduced_months": p.gluten_months,
        "alcohol_frequency": p.alcohol[0],
        "alcohol_typical_drinks": p.alcohol[1],
        "alcohol_six_or_more": p.alcohol[2],
        "plant_based": "no",
        "nsaid_frequency": p.nsaid,
        "nsaid_months": p.nsaid_months,
        "ppi_months": p.ppi_months or 0,
        "diet_helped": p.diet_helped,
        "family_history": list(p.family) or ["none"],
        "previous_tests": [test for test, _, _ in p.tests],
        "test_celiac_on_gluten": "yes",
        "smoking": p.smoking,
        "smoking_quit_years": 10,
        "consent_true": True,
        "consent_use": True,
    }
    a |= {q: p.mood for q in ("phq_interest", "phq_down", "gad_nervous", "gad_worry")}
    a |= {q: "no" for q in ("cannot_swallow_saliva", "cannot_keep_fluids")} | {"rash_type": p.rash}
    a |= {"menopause_status": p.periods, "heavy_periods": "no"} if p.periods else {}
    a |= {q: "yes" for q in ("pain_with_frequency_change", "pain_with_form_change")} | {"pain_and_bowels": "relieved"}
    for test, months_ago, result in p.tests:
        a |= {f"test_{test}_months_ago": months_ago, f"test_{test}_result": result}
    return {k: v for k, v in a.items() if v not in ("", [])}


def answers_v1(p: Persona, today: dt.date) -> dict[str, Answer]:
    """The persona's answers to questionnaire 2026.11-1 (v1 ids)."""
    a = _shared(p, today)
    hard, loose = HARD_LOOSE_PERCENT[p.stool]
    lost = "unintended_weight_loss" in p.warning
    a |= {"weight_change": "lost" if lost else "same", "weight_change_kg": float(p.lost_kg), "weight_change_intended": "no"}
    a |= {f"{s}_months": p.months for s in p.symptoms}
    a |= {"symptoms_started_months": p.months, "hard_stools_percent": hard, "loose_stools_percent": loose}
    a |= {"triggers": [t for t in p.triggers if t in V1_TRIGGERS] or ["none"], "bowel_movements_per_day": float(p.per_day)}
    a |= {f"{s}_severity": p.severity for s in p.symptoms} | {f"{s}_frequency": "most_days" for s in p.symptoms}
    a |= {sign: "yes" if sign in p.warning else "no" for sign in WARNING_SIGNS}
    a |= {
        "dairy_amount": "none" if p.milk_upset == "no_milk" else "daily",
        "dairy_symptoms": p.milk_upset.replace("no_milk", "no"),
    }
    a |= {
        "drinks_per_week": {"0": 0, "1": 1, "2": 3, "3": 8, "4": 20}[p.alcohol[0]],
        "fibre_portions": 3,
        "coffee_cups_per_day": 2,
    }
    a |= {q: "few_per_week" for q in ("processed_food", "sugary_food")} | {q: "rarely" for q in ("late_eating", "large_meals")}
    reactions = [V1_FOOD_REACTIONS[t] for t in p.triggers if t in V1_FOOD_REACTIONS]
    a |= {"food_reactions": reactions or ["none"]}
    a |= {"diets_tried": list(p.diets) + (["gluten_free"] if p.gluten != "regular" else []) or ["none"]}
    a |= {"takes_ppi": "yes" if p.ppi_months is not None else "no", "ppi_drug": "omeprazole", "ppi_frequency": "daily"}
    a |= {"ppi_last_dose_days": p.ppi_stopped_days or 0, "takes_h2_blocker": "yes" if p.h2 else "no"}
    a |= {"h2_drug": "famotidine", "h2_frequency": "daily", "h2_months": 6, "h2_last_dose_days": 0}
    a |= {"takes_antacid": "yes" if p.antacid else "no", "antacid_types": ["alginate"], "antacid_frequency": p.antacid}
    a |= {"antacid_months": 12, "antacid_last_dose_days": 2, "nsaid_drugs": ["ibuprofen"]}
    recent_antibiotics = p.antibiotics_days is not None and p.antibiotics_days <= 90
    a |= {"other_medicines": (["antibiotics"] if recent_antibiotics else []) + list(p.supplements) or ["none"]}
    a |= {"antibiotics_weeks_ago": (p.antibiotics_days or 0) // 7}
    a |= {"medicines_other": ", ".join(" ".join(row) for row in p.medicines), "conditions": list(p.conditions) or ["none"]}
    a |= {"hopes": p.hopes, "conditions_other": p.other_condition, "exercise_days": 2, "walk_after_meals": "sometimes"}
    a |= {"sleep_hours": 7.0, "stress_level": 5}
    a |= {"nocturnal_bowel": p.night, "mucus": p.mucus, "oily_stools": "no", "recent_stomach_bug": p.bug}
    a |= {"takes_nsaid": "yes" if p.nsaid else "no"}
    return {k: v for k, v in a.items() if v not in ("", [])}


def answers_v2(p: Persona, today: dt.date) -> dict[str, Answer]:
    """The persona's answers to questionnaire 2026.12-2 (v2 ids)."""
    a = _shared(p, today)
    band = next((name for top, name in FREQUENCY_BANDS if p.per_day <= top), "6_or_more_a_day")
    a |= {"main_concern": f"{p.concern} {p.hopes}".strip(), "worst_symptom": p.symptoms[0], "worst_symptom_severity": p.severity}
    a |= {f"{s}_months": p.months for s in p.symptoms if s in V2_MONTHS_ASKED}
    a |= {f"{s}_frequency": "most_days" for s in p.symptoms if s in V2_FREQUENCY_ASKED}
    a |= {"stool_pattern": p.stool, "bowel_frequency": band, "warning_signs": list(p.warning) or ["none"]}
    a |= {"weight_lost_kg": float(p.lost_kg), "weight_lost_months": p.lost_months, "gluten_symptoms": p.wheat_upset}
    a |= {"dairy_symptoms": p.milk_upset, "triggers": [t for t in p.triggers if t in V2_TRIGGERS] or ["none"]}
    a |= {"diets_tried": list(p.diets) or ["none"]}
    acid = ["ppi"] if p.ppi_months is not None else []
    acid += (["h2_blocker"] if p.h2 else []) + (["antacid"] if p.antacid else [])
    recent_antibiotics = p.antibiotics_days is not None and p.antibiotics_days <= 28
    acid += ["antibiotics"] if recent_antibiotics else []
    acid += ["nsaid"] if p.nsaid else []
    features = [f for f, yes in (("nocturnal_bowel", p.night), ("mucus", p.mucus), ("recent_stomach_bug", p.bug)) if yes == "yes"]
    a |= {"bowel_features": features or ["none"]}
    a |= {"acid_medicines": acid or ["none"], "ppi_still_taking": "yes" if p.ppi_stopped_days is None else "no"}
    a |= {"ppi_last_dose_days": p.ppi_stopped_days or 0, "h2_still_taking": "yes", "antacid_frequency": p.antacid}
    a |= {"antibiotics_last_dose_days": p.antibiotics_days or 0, "other_medicines": list(p.supplements) or ["none"]}
    a |= {"current_medicines": [list(row) for row in p.medicines], "allergies": "yes" if p.allergy else "none"}
    a |= {"allergies_details": p.allergy, "conditions": list(p.conditions) + (["other"] if p.other_condition else []) or ["none"]}
    a |= {"conditions_other": p.other_condition}
    return {k: v for k, v in a.items() if v not in ("", [])}


def answers_v3(p: Persona, today: dt.date) -> dict[str, Answer]:
    """The persona's answers to questionnaire 2026.12-3: version 2's, with one confirmation box instead of two."""
    return {k: v for k, v in answers_v2(p, today).items() if k != "consent_use"}


def answers_v4(p: Persona, today: dt.date) -> dict[str, Answer]:
    """The persona's answers to questionnaire 2026.12-4: version 3's ids (only some follow-ups are shown less often)."""
    return answers_v3(p, today)


def answers_v5(p: Persona, today: dt.date) -> dict[str, Answer]:
    """The persona's answers to questionnaire 2026.12-5: version 4's ids and choice values (only the wording is shorter)."""
    return answers_v4(p, today)


def answers_v6(p: Persona, today: dt.date) -> dict[str, Answer]:
    """The persona's answers to questionnaire 2026.12-6: version 5's questions, on two fewer pages."""
    return answers_v5(p, today)
