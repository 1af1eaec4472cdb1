"""No staff words on any patient page: the questionnaire's texts and the patient templates use plain words."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from triage.domain.questionnaire.questions import Questionnaire, default_questionnaire, questionnaire_for
from triage.paths import resource_dir

V1 = "2026.11-1"


@dataclass(frozen=True)
class Banned:
    """A staff term, why the patient must not meet it, and the plain explanations that may carry it."""

    term: str
    pattern: str
    why: str
    explained: tuple[str, ...] = ()  # the term may appear only inside one of these, in the same text


# Reviewed against questionnaire 2026.12-5 (shorter texts than 2026.12-4): each explained phrasing is the exact wording of one
# of its texts.
BANNED = (
    Banned("AUDIT-C", r"\baudit-?c\b", "the name of a staff screening tool: the patient answers its questions"),
    Banned("PHQ", r"\bphq", "the name of a staff depression screen"),
    Banned("GAD-2", r"\bgad-?\d", "the name of a staff anxiety screen"),
    Banned("Rome", r"\brome\b", "the Rome criteria are a clinician's classification"),
    Banned("Bristol", r"\bbristol\b", "the Bristol Stool Form Scale is a chart name; the pictures and words suffice"),
    Banned(
        "FODMAP",
        r"fodmap",
        "jargon for sugars that ferment in the gut",
        ("cutting out onion, garlic, beans and some fruits (low-fodmap)",),
    ),
    Banned("PPI", r"\bppis?\b", "a staff abbreviation: the patient knows the tablet by its name"),
    Banned("proton pump", r"proton[ -]pump", "a pharmacology name the patient does not need"),
    Banned("H2 blocker", r"\bh2[ -]?(receptor )?(blocker|antagonist)", "a pharmacology name the patient does not need"),
    Banned("NSAID", r"\bnsaids?\b", "a staff abbreviation: the label names the painkillers"),
    Banned(
        "IgA",
        r"\biga\b",
        "an antibody class few patients know",
        ("iga deficiency (low in one antibody type)",),
    ),
    Banned(
        "calprotectin",
        r"calprotectin",
        "a laboratory test name",
        ("poo test for inflammation (calprotectin)",),
    ),
    Banned(
        "dermatitis herpetiformis",
        r"dermatitis herpetiformis",
        "a dermatology name",
        ("dermatitis herpetiformis (itchy, blistering rash)",),
    ),
    Banned("atrophic gastritis", r"atrophic gastritis", "a pathology name"),
    Banned(
        "H. pylori",
        r"\bh\.? ?pylori\b",
        "a bacterium's name, unknown to many patients",
        ("h. pylori (a stomach infection)",),
    ),
    Banned("autoimmune", r"autoimmun", "jargon: say that the immune system attacks the body"),
    Banned("differential", r"differential", "the clinician's weighing of diagnoses is not shown to the patient"),
    Banned("red flag", r"red[ -]flags?", "staff shorthand: the patient page says 'important warning signs'"),
    Banned("triage", r"triage", "staff shorthand: the clinic sees who needs to be seen first"),
    Banned("standard drink", r"standard drinks?", "a unit patients misread: the help says what one drink is"),
    Banned("fraction", r"\bfraction", "asks the patient for arithmetic (0.5 a day): choices replace it"),
    Banned("%", r"%", "a share in per cent asks the patient for arithmetic: words or choices replace it"),
)


def questionnaire_texts(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """Every text of a questionnaire the patient reads, each with where it is."""
    texts = [(f"section {s.id} title", s.title) for s in questionnaire.sections]
    for step in questionnaire.steps:
        texts += [(f"step {step.id} title", step.title), (f"step {step.id} intro", step.intro)]
        for q in step.questions:
            texts += [(f"{q.id} label", q.label), (f"{q.id} help", q.help), (f"{q.id} unit", q.unit)]
            texts += [(f"{q.id} short", q.short_label)]
            texts += [(f"{q.id} choice {c.value}", c.label) for c in q.choices]
            texts += [(f"{q.id} column {c.id}", c.label) for c in q.columns]
    return [(where, text) for where, text in texts if text]


def template_texts() -> list[tuple[str, str]]:
    """The text outside tags and template code of every patient template."""
    texts = []
    for path in sorted((resource_dir("templates") / "patient").glob("*.html")):
        source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", path.read_text(encoding="utf-8"), flags=re.S)
        source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S | re.I)
        texts += [(f"template {path.name}", part.strip()) for part in re.split(r"<[^>]*>", source) if part.strip()]
    return texts


def findings(texts: list[tuple[str, str]]) -> list[str]:
    """One line per banned term found outside its allowed explanations, naming where, the term and why."""
    found = []
    for where, text in texts:
        for banned in BANNED:
            rest = text.lower()
            for phrase in banned.explained:
                rest = rest.replace(phrase, " ")
            if re.search(banned.pattern, rest, re.I):
                found.append(f"{where}: '{banned.term}' ({banned.why}): {text!r}")
    return found


CASES = [
    pytest.param(default_questionnaire, False, id="current"),
    pytest.param(lambda: questionnaire_for(V1), True, id=V1),
]


@pytest.mark.parametrize(("load", "v1_has_them"), CASES)
def test_patient_pages_carry_no_staff_words(load: Callable[[], Questionnaire], v1_has_them: bool) -> None:
    found = findings(questionnaire_texts(load()) + template_texts())
    if v1_has_them:
        assert found != [], "version 1 is known to use staff words; finding none means the check no longer bites"
    else:
        assert found == [], "\n".join(found)


def test_the_check_bites_on_each_kind_of_staff_word_version_1_used() -> None:
    found = "\n".join(findings(questionnaire_texts(questionnaire_for(V1))))
    for term in ("AUDIT-C", "PPI", "proton pump", "H2 blocker", "standard drink", "fraction", "%", "Bristol", "FODMAP"):
        assert f"'{term}'" in found, term
    for term in ("IgA", "autoimmune", "H. pylori"):  # unexplained in version 1
        assert f"'{term}'" in found, term


def test_a_term_is_allowed_only_inside_its_plain_explanation() -> None:
    assert findings([("x", "Poo test for inflammation (calprotectin)")]) == []
    assert findings([("x", "Calprotectin stool test")]) != []
    assert findings([("x", "Poo test for inflammation (calprotectin), or calprotectin again")]) != []


def test_every_allowed_explanation_is_still_worded_so_in_the_current_questionnaire() -> None:
    texts = " ".join(text.lower() for _, text in questionnaire_texts(default_questionnaire()))
    unused = [phrase for banned in BANNED for phrase in banned.explained if phrase not in texts]
    assert unused == [], "an explanation no text uses any more: drop it from BANNED or restore the wording"


def test_template_texts_are_read_from_the_patient_pages() -> None:
    pages = {where for where, _ in template_texts()}
    assert {"template start.html", "template step.html", "template review.html", "template done.html"} <= pages
    assert all("{" not in text and "<" not in text for _, text in template_texts())
