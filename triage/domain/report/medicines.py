"""Medicines and allergies as the report shows them and the history tells them, for both questionnaire versions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from triage.domain.questionnaire.questions import Answer, Questionnaire
from triage.domain.report.phrases import (
    ACID_LIST,
    ALLERGY_TERMS,
    ANTACID,
    FREQUENCY_TERMS,
    H2_BLOCKER,
    LAST_4_WEEKS,
    MEDICINES,
    NSAID,
    PPI,
    MedicineTerms,
)
from triage.domain.report.words import choice_label, choice_term, choices, days_ago, duration, join_words

CURRENT_MEDICINES = "current_medicines"


@dataclass(frozen=True)
class Medicine:
    """A medicine line; acid suppression is highlighted with drug, frequency, duration and last dose."""

    kind: str
    drug: str
    frequency: str
    duration: str
    last_dose: str
    highlight: bool
    still_taking: bool = False
    asks_drug: bool = True


@dataclass(frozen=True)
class CurrentMedicine:
    """One row of the patient's own list of the medicines they take (version 2), as they typed it."""

    name: str
    dose: str
    how_often: str


def current_medicines(answers: Mapping[str, Answer]) -> tuple[CurrentMedicine, ...]:
    """The rows of the current-medicines table: name, dose and how often (missing cells empty)."""
    value = answers.get(CURRENT_MEDICINES)
    rows = []
    for row in value if isinstance(value, list) else []:
        if not isinstance(row, list):
            continue
        cells = [str(c).strip() if isinstance(c, str) else "" for c in row[:3]] + ["", "", ""]
        if cells[0]:
            rows.append(CurrentMedicine(cells[0], cells[1], cells[2]))
    return tuple(rows)


def allergies(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> tuple[str, str]:
    """The allergy answer and the patient's own details ('' and '' when the questionnaire did not ask)."""
    value = answers.get("allergies")
    if not isinstance(value, str):
        return "", ""
    details = answers.get("allergies_details")
    return choice_label(questionnaire, "allergies", value), details if isinstance(details, str) and value == "yes" else ""


def _v1_row(questionnaire: Questionnaire, a: Mapping[str, Answer], terms: MedicineTerms) -> Medicine:
    sure = a.get(terms.taking) == "yes"
    return Medicine(
        kind=terms.kind,
        drug=choice_label(questionnaire, terms.drug, a.get(terms.drug)) if sure else "Not sure whether taking one",
        frequency=choice_label(questionnaire, f"{terms.prefix}_frequency", a.get(f"{terms.prefix}_frequency")),
        duration=duration(a.get(f"{terms.prefix}_months")),
        last_dose=days_ago(a.get(f"{terms.prefix}_last_dose_days")),
        highlight=terms is not NSAID,
    )


def _v2_row(questionnaire: Questionnaire, a: Mapping[str, Answer], terms: MedicineTerms) -> Medicine:
    still = a.get(f"{terms.prefix}_still_taking") == "yes"
    asks_drug = terms.asks_drug and terms.drug in questionnaire.by_id
    return Medicine(
        kind=terms.kind,
        drug=choice_label(questionnaire, terms.drug, a.get(terms.drug)) if asks_drug else "",
        frequency=choice_label(questionnaire, f"{terms.prefix}_frequency", a.get(f"{terms.prefix}_frequency")),
        duration=duration(a.get(f"{terms.prefix}_months")),
        last_dose="" if still else days_ago(a.get(f"{terms.prefix}_last_dose_days")),
        highlight=terms is not NSAID,
        still_taking=still,
        asks_drug=asks_drug,
    )


def _nsaid_listed(a: Mapping[str, Answer]) -> bool:
    """Whether NSAIDs were ticked in version 2's 4-week list (a version without its own NSAID question)."""
    return NSAID.taking not in a and NSAID.ticked in choices(a, ACID_LIST)


def nsaid_status(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> Answer | None:
    """Whether the patient takes NSAIDs: its own question, else read from a 4-week list that offers NSAIDs."""
    if NSAID.taking in a:
        return a[NSAID.taking]
    ticked = choices(a, ACID_LIST)
    if NSAID.ticked in ticked:
        return "yes"
    listing = questionnaire.by_id.get(ACID_LIST)
    if ACID_LIST not in a or listing is None or NSAID.ticked not in listing.choice_values or "not_sure" in ticked:
        return None
    return "no"


def medicines(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> tuple[Medicine, ...]:
    """Acid-suppressing medicines (highlighted) with drug, frequency, duration and last dose, then NSAIDs and others."""
    rows = []
    if ACID_LIST in a:
        ticked = choices(a, ACID_LIST)
        rows += [_v2_row(questionnaire, a, t) for t in LAST_4_WEEKS if t.ticked in ticked]
        if _nsaid_listed(a):
            rows.append(_v2_row(questionnaire, a, NSAID))
        if "not_sure" in ticked:
            rows.append(Medicine("Acid medicines, bismuth or antibiotics", "Not sure whether taken", "", "", "", True))
    for terms in MEDICINES:
        if a.get(terms.taking) in ("yes", "not_sure") and (terms is NSAID or ACID_LIST not in a):
            rows.append(_v1_row(questionnaire, a, terms))
    others = [v for v in choices(a, "other_medicines") if v != "none"]
    if others:
        rows.append(Medicine("Other medicines", choice_label(questionnaire, "other_medicines", others), "", "", "", False))
    if isinstance(a.get("medicines_other"), str):
        rows.append(Medicine("Also listed by the patient", str(a["medicines_other"]), "", "", "", False))
    return tuple(rows)


def acid_medicines(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> list[str]:
    """Phrases for PPI, H2-blocker and antacid use (and, in version 2, bismuth and antibiotics): drug, dose, last dose."""
    if ACID_LIST in a:
        return _last_4_weeks(questionnaire, a)
    phrases = []
    for terms in (PPI, H2_BLOCKER):
        if a.get(terms.taking) == "yes":
            name = choice_term(questionnaire, terms.drug, a.get(terms.drug)) or terms.generic
            phrases.append(_dose_phrase(name, a, terms.prefix))
        elif a.get(terms.taking) == "not_sure":
            phrases.append(f"unsure whether taking {terms.generic}")
    if a.get(ANTACID.taking) == "yes":
        phrases.append(_dose_phrase(_antacid_name(questionnaire, a), a, ANTACID.prefix))
    return phrases


def _antacid_name(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> str:
    kinds = [choice_term(questionnaire, ANTACID.drug, k) for k in choices(a, ANTACID.drug)]
    return join_words([k for k in kinds if k]) + " antacids" if any(kinds) else ANTACID.generic


def _last_4_weeks(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> list[str]:
    ticked = choices(a, ACID_LIST)
    phrases = []
    for terms in LAST_4_WEEKS:
        if terms.ticked not in ticked:
            continue
        if terms is ANTACID:
            name = _antacid_name(questionnaire, a)
        else:
            name = (choice_term(questionnaire, terms.drug, a.get(terms.drug)) if terms.asks_drug else "") or terms.generic
        phrases.append(_dose_phrase(name, a, terms.prefix))
    if _nsaid_listed(a):
        phrases.append(_nsaids(questionnaire, a))
    if "not_sure" in ticked:
        phrases.append("unsure whether taking acid medicines, bismuth or antibiotics")
    return phrases


def _dose_phrase(name: str, a: Mapping[str, Answer], prefix: str) -> str:
    text = name
    frequency = FREQUENCY_TERMS.get(str(a.get(f"{prefix}_frequency")))
    if frequency:
        text += f" {frequency}"
    span = duration(a.get(f"{prefix}_months"))
    if span:
        text += f" for {span}"
    if a.get(f"{prefix}_still_taking") == "yes":
        return text + ", still taking"
    last = days_ago(a.get(f"{prefix}_last_dose_days"))
    return text + (f", last dose {last}" if last else "")


def _nsaids(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> str:
    drugs = [choice_term(questionnaire, NSAID.drug, d) for d in choices(a, NSAID.drug)]
    name = join_words([d for d in drugs if d]) or NSAID.generic
    frequency = FREQUENCY_TERMS.get(str(a.get(f"{NSAID.prefix}_frequency")), "")
    span = duration(a.get(f"{NSAID.prefix}_months"))
    return " ".join(p for p in (name, frequency, f"for {span}" if span else "") if p)


def medicines_sentence(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> str:
    """The history's medicines sentence: acid suppression (with last dose or still taking), NSAIDs, allergies."""
    if ACID_LIST in a:
        return _v2_sentence(questionnaire, a)
    phrases = acid_medicines(questionnaire, a)
    if a.get(NSAID.taking) == "yes":
        phrases.append(_nsaids(questionnaire, a))
    if not phrases:
        none = a.get(PPI.taking) == "no" and a.get(NSAID.taking) == "no"
        return "No acid-suppressing medicines or NSAIDs" if none else ""
    return "Takes " + "; ".join(phrases)


def _v2_sentence(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> str:
    sentences = []
    recent = acid_medicines(questionnaire, a)
    nsaid = nsaid_status(questionnaire, a)
    if recent:
        sentences.append("In the last 4 weeks: " + "; ".join(recent))
    elif "none" in choices(a, ACID_LIST):
        sentences.append(
            "No acid-suppressing medicines, bismuth, antibiotics or NSAIDs"
            if nsaid == "no"
            else "No acid-suppressing medicines, bismuth or antibiotics in the last 4 weeks"
        )
        nsaid = None if nsaid == "no" else nsaid
    if nsaid == "yes" and not _nsaid_listed(a):
        sentences.append("Takes " + _nsaids(questionnaire, a))
    elif nsaid == "no":
        sentences.append("No NSAIDs")
    allergy = ALLERGY_TERMS.get(str(a.get("allergies")))
    if allergy:
        sentences.append(allergy)
    return ". ".join(sentences)
