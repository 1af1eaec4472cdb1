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
    "abdominal_lump": "an abdominal or rectal mass",
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


@dataclass(frozen=True)
class MedicineTerms:
    """How one medicine group is asked about and named: the report's heading, and the history's generic words."""

    taking: str  # the yes / no / not sure question
    drug: str  # the question naming the drug (or drugs)
    prefix: str  # the prefix of its frequency, months and last-dose questions
    kind: str  # the report's heading for it
    generic: str  # the history's words when the drug is not named


PPI = MedicineTerms("takes_ppi", "ppi_drug", "ppi", "Proton pump inhibitor", "a PPI")
H2_BLOCKER = MedicineTerms("takes_h2_blocker", "h2_drug", "h2", "H2 blocker", "an H2 blocker")
ANTACID = MedicineTerms("takes_antacid", "antacid_types", "antacid", "Antacid", "antacids")
NSAID = MedicineTerms("takes_nsaid", "nsaid_drugs", "nsaid", "NSAID", "NSAIDs")
# In the order the report lists them: acid suppression first.
MEDICINES = (PPI, H2_BLOCKER, ANTACID, NSAID)
