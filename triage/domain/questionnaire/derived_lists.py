"""Yes/no facts that version 1 asked one by one and version 2 asks in one tick-list, under their version 1 ids.

Version 2 asks the warning signs in `warning_signs` (with `warning_signs_unsure` for the ones the patient is not
sure about), four bowel features in `bowel_features`, and painkillers as the `nsaid` tick of `acid_medicines`.
Each fact here is the stored version 1 answer when there is one, and otherwise read from the version 2 list, so
rules keep reading `blood_in_stool equals yes` whichever version was asked.
"""

from __future__ import annotations

import datetime as dt

from triage.domain.questionnaire.derived_types import Compute, DerivedFact, DerivedValue, Facts
from triage.domain.questionnaire.medicine_names import nsaid_named

YES_NO_UNSURE = ("yes", "no", "not_sure")
WARNING_SIGNS = {
    "blood_in_stool": "Blood in or on the poo, or on the toilet paper",
    "black_stools": "Black, sticky, tar-like poo",
    "vomited_blood": "Vomited blood or coffee-ground material",
    "swallowing_worse": "Swallowing getting harder, or food getting stuck",
    "persistent_vomiting": "Vomiting day after day",
    "unintended_weight_loss": "Weight lost without trying",
    "fever_night_sweats": "Fevers or drenching night sweats with the bowel problems",
    "perianal_problems": "Pain, swelling or discharge around the back passage",
    "abdominal_lump": "A lump in the tummy or back passage",
    "jaundice": "Yellow skin or whites of the eyes",
}
BOWEL_FEATURES = {
    "nocturnal_bowel": "Wakes at night needing to open the bowels",
    "mucus": "Mucus (slime) in or on the poo",
    "oily_stools": "Oily or pale poo that is hard to flush away",
    "recent_stomach_bug": "A stomach bug in the last 4 weeks",
}


def answer_of(a: Facts, fact_id: str) -> DerivedValue:
    """One of these facts for the given answers ("yes", "no", "not_sure" or None)."""
    stored = a.get(fact_id)
    if isinstance(stored, str):
        return stored  # version 1 asked it directly
    if fact_id in WARNING_SIGNS:
        return _ticked_in(a, "warning_signs", fact_id, a.get("warning_signs_unsure"))
    if fact_id in BOWEL_FEATURES:
        return _ticked_in(a, "bowel_features", fact_id, None)
    if fact_id == "takes_nsaid":
        return _takes_nsaid(a)
    return None


def _takes_nsaid(a: Facts) -> DerivedValue:
    """Version 2: the `nsaid` tick, or an NSAID named in the patient's own medicine list (current_medicines)."""
    medicines = a.get("acid_medicines")
    named = nsaid_named(a.get("current_medicines"))
    if not isinstance(medicines, list):
        return "yes" if named else None
    if "nsaid" in medicines or named:
        return "yes"
    return "not_sure" if "not_sure" in medicines else "no"


def _ticked_in(a: Facts, list_id: str, value: str, unsure: object) -> DerivedValue:
    ticked = a.get(list_id)
    if not isinstance(ticked, list):
        return None
    if value in ticked:
        return "yes"
    if isinstance(unsure, list) and value in unsure:
        return "not_sure"
    # "Not sure about some of these" without saying which leaves every sign not ticked uncertain, never a "no".
    if "not_sure" in ticked and not (isinstance(unsure, list) and unsure):
        return "not_sure"
    return "no"


def _compute(fact_id: str) -> Compute:
    # The list each fact is read from, fixed per fact: answer_of's choice made once, not on every evaluation.
    list_id = "warning_signs" if fact_id in WARNING_SIGNS else "bowel_features" if fact_id in BOWEL_FEATURES else None
    if list_id is None:

        def compute(a: Facts, on: dt.date) -> DerivedValue:
            return answer_of(a, fact_id)

        return compute
    unsure_id = "warning_signs_unsure" if list_id == "warning_signs" else None

    def from_list(a: Facts, on: dt.date) -> DerivedValue:
        stored = a.get(fact_id)
        if isinstance(stored, str):
            return stored  # version 1 asked it directly
        return _ticked_in(a, list_id, fact_id, a.get(unsure_id) if unsure_id else None)

    return from_list


def _fact(fact_id: str, label: str, *reads: str) -> DerivedFact:
    return DerivedFact(fact_id, "single", "", label, _compute(fact_id), choices=YES_NO_UNSURE, reads=(*reads, fact_id))


LIST_FACTS: tuple[DerivedFact, ...] = (
    *(_fact(i, label, "warning_signs", "warning_signs_unsure") for i, label in WARNING_SIGNS.items()),
    *(_fact(i, label, "bowel_features") for i, label in BOWEL_FEATURES.items()),
    _fact(
        "takes_nsaid",
        "Takes painkillers such as ibuprofen, naproxen, diclofenac or aspirin (ticked, or named in the medicine list)",
        "acid_medicines",
        "current_medicines",
    ),
)
