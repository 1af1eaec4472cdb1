"""The clinical phrases of the report, in one place: the history paragraph and the report model both read these tables."""

from __future__ import annotations

from dataclasses import dataclass

SYMPTOM_TERMS: dict[str, str] = {
    "abdominal_pain": "abdominal pain",
    "bloating": "bloating",
    "wind": "flatulence",
    "diarrhoea": "loose stools",
    "constipation": "constipation",
    "alternating": "alternating bowel habit",
    "urgency": "faecal urgency",
    "heartburn": "heartburn",
    "regurgitation": "regurgitation",
    "nausea": "nausea",
    "vomiting": "vomiting",
    "swallowing": "dysphagia",
    "early_fullness": "early satiety",
    "fatigue": "fatigue",
    "headaches": "headaches",
    "joint_pain": "joint pain",
    "mouth_ulcers": "mouth ulcers",
    "skin_rash": "skin rash",
    "numbness": "paraesthesia",
    "breathless": "exertional breathlessness or light-headedness",
    "brain_fog": "brain fog",
    "anxiety_low_mood": "anxiety or low mood",
}
TRIGGER_TERMS: dict[str, str] = {
    "gluten": "wheat",
    "dairy": "dairy",
    "fatty_meals": "fatty meals",
    "large_late_meals": "large or late meals",
    "alcohol": "alcohol",
    "coffee": "coffee",
    "stress": "stress",
    "onion_garlic": "onion or garlic",
    "beans": "beans or pulses",
    "fruit": "fruit",
    "spicy": "spicy food",
    "sweeteners": "sweeteners",
}
ALARM_TERMS: dict[str, str] = {
    "blood_in_stool": "rectal bleeding",
    "black_stools": "melaena",
    "vomited_blood": "haematemesis",
    "swallowing_worse": "progressive dysphagia",
    "persistent_vomiting": "persistent vomiting",
    "unintended_weight_loss": "unintended weight loss",
    "fever_night_sweats": "fevers or night sweats",
    "perianal_problems": "perianal symptoms",
    "abdominal_lump": "abdominal or rectal mass",
    "jaundice": "jaundice",
    "known_anaemia": "known anaemia",
}
CONDITION_TERMS: dict[str, str] = {
    "celiac": "coeliac disease",
    "crohns": "Crohn's disease",
    "iron_deficiency_anaemia": "iron-deficiency anaemia",
    "b12_deficiency": "vitamin B12 deficiency",
    "other_autoimmune": "another autoimmune disease",
    "early_osteoporosis": "early osteoporosis",
    "down_turner": "Down or Turner syndrome",
    "dermatitis_herpetiformis": "dermatitis herpetiformis",
    "autoimmune_thyroid": "autoimmune thyroid disease",
    "type1_diabetes": "type 1 diabetes",
    "type2_diabetes": "type 2 diabetes",
    "gerd": "GORD",
    "h_pylori": "H. pylori infection",
    "ibs": "IBS",
    "iga_deficiency": "IgA deficiency",
    "bowel_stomach_surgery": "bowel or gastric surgery",
    "gallbladder_removed": "cholecystectomy",
}
FAMILY_TERMS: dict[str, str] = {
    "celiac": "coeliac disease",
    "ibd": "inflammatory bowel disease",
    "bowel_cancer": "bowel cancer",
    "stomach_cancer": "gastric cancer",
    "pernicious_anaemia": "pernicious anaemia or atrophic gastritis",
    "autoimmune_thyroid": "autoimmune thyroid disease",
    "type1_diabetes": "type 1 diabetes",
}
# The known type of anaemia, when the patient named one, replaces "known anaemia".
ANAEMIA_TERMS: dict[str, str] = {"iron_deficiency": "known iron-deficiency anaemia", "b12_deficiency": "known B12 deficiency"}
TREND_TERMS: dict[str, str] = {"worse": "getting worse", "better": "improving", "varies": "fluctuating"}
SMOKING_TERMS: dict[str, str] = {"current": "current smoker", "former": "ex-smoker", "never": "never smoked"}
FREQUENCY_TERMS: dict[str, str] = {
    "daily": "daily",
    "most_days": "on most days",
    "weekly": "weekly",
    "occasionally": "occasionally",
}
PERSON: dict[str, str] = {"female": "woman", "male": "man"}
# Version 2 asks the stool form and the bowel frequency as choices (version 1 asked percentages and a number).
STOOL_PATTERN_TERMS: dict[str, str] = {
    "mostly_hard": "mostly hard stools",
    "mostly_loose": "mostly loose stools",
    "mixed": "mixed hard and loose stools",
    "normal": "normal stool form",
}
BOWEL_FREQUENCY_TERMS: dict[str, str] = {
    "less_than_3_a_week": "fewer than 3 times a week",
    "3_a_week_to_1_a_day": "3 times a week to once a day",
    "1_to_2_a_day": "1 to 2 times a day",
    "3_to_5_a_day": "3 to 5 times a day",
    "6_or_more_a_day": "6 or more times a day",
}
# Version 2 may ask the alarm features as one list (warning_signs, with warning_signs_unsure) and the bowel
# features as one list (bowel_features) instead of one yes / no / not sure question each.
WARNING_SIGNS = "warning_signs"
WARNING_SIGNS_UNSURE = "warning_signs_unsure"
BOWEL_FEATURES = "bowel_features"
ALLERGY_TERMS: dict[str, str] = {"none": "No known allergies", "yes": "Allergies reported", "not_sure": "Unsure about allergies"}


@dataclass(frozen=True)
class MedicineTerms:
    """How one medicine group is asked about and named: the report's heading, and the history's generic words."""

    taking: str  # the yes / no / not sure question
    drug: str  # the question naming the drug (or drugs)
    prefix: str  # the prefix of its frequency, months and last-dose questions
    kind: str  # the report's heading for it
    generic: str  # the history's words when the drug is not named
    ticked: str = ""  # its value in version 2's "in the last 4 weeks" list (acid_medicines)
    asks_drug: bool = True  # whether the questionnaire asks which drug


PPI = MedicineTerms("takes_ppi", "ppi_drug", "ppi", "Proton pump inhibitor", "a PPI", "ppi")
H2_BLOCKER = MedicineTerms("takes_h2_blocker", "h2_drug", "h2", "H2 blocker", "an H2 blocker", "h2_blocker")
ANTACID = MedicineTerms("takes_antacid", "antacid_types", "antacid", "Antacid", "antacids", "antacid")
BISMUTH = MedicineTerms("", "", "bismuth", "Bismuth", "bismuth", "bismuth", asks_drug=False)
ANTIBIOTICS = MedicineTerms("", "", "antibiotics", "Antibiotics", "antibiotics", "antibiotics", asks_drug=False)
NSAID = MedicineTerms("takes_nsaid", "nsaid_drugs", "nsaid", "NSAID", "NSAIDs", "nsaid")
# In the order the report lists them: acid suppression first (version 1 asked yes / no / not sure for each).
MEDICINES = (PPI, H2_BLOCKER, ANTACID, NSAID)
# Version 2 asks one "in the last 4 weeks" list (acid_medicines); these are its medicines, in the report's order.
ACID_LIST = "acid_medicines"
LAST_4_WEEKS = (PPI, H2_BLOCKER, ANTACID, BISMUTH, ANTIBIOTICS)
