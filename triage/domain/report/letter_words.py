"""The letter's fixed words: urgency headings and plans per triage decision, and the caveats that change a test."""

from __future__ import annotations

import re
from collections.abc import Sequence

from triage.domain.engine.result_view import Item

# The triage decisions (triage.db.decisions.Decision values) as the letter's heading says them.
DECISION_HEADINGS = {
    "emergency_now": "Emergency",
    "urgent": "Urgent",
    "soon": "Soon",
    "routine": "Routine",
    "no_appointment_advice": "Advice only (no appointment)",
}
DECISION_PLANS = {
    "emergency_now": "The patient has been advised to attend the emergency department now.",
    "urgent": "We will see the patient in an urgent clinic appointment.",
    "soon": "We will see the patient soon, ahead of the routine list.",
    "routine": "We will see the patient in a routine clinic appointment.",
    "no_appointment_advice": "No clinic appointment is needed; our advice is below.",
}
# Tests done at the clinic (endoscopy, imaging, biopsies), not arranged by the GP before the visit.
# Named one by one: "microscopy" (a stool test the GP sends) must not read as an endoscopy.
CLINIC_TESTS = re.compile(
    r"endoscop|gastroscop|colonoscop|sigmoidoscop|enteroscop|biops|\bCT\b|\bMRI?\b|enterography|capsule|SeHCAT|"
    r"ultrasound|manometry",
    re.IGNORECASE,
)
COELIAC_TEST = re.compile(r"tTG|coeliac|celiac|EMA", re.IGNORECASE)
H_PYLORI_TEST = re.compile(r"H\. ?pylori", re.IGNORECASE)
GLUTEN = re.compile(r"gluten", re.IGNORECASE)
PPI_BEFORE_H_PYLORI = re.compile(r"PPI.*H\. ?pylori", re.IGNORECASE)
REASON_MAX = 80
CAVEAT_NOTES = 1


def at_clinic(test: str) -> bool:
    """Whether a test is the clinic's to do (an endoscopy, imaging or a biopsy)."""
    return bool(CLINIC_TESTS.search(test))


def has_caveat(test: str, caveats: Sequence[Item]) -> bool:
    """Whether a caveat changes how this test is done: coeliac serology (gluten), H. pylori tests (PPI stopped first)."""
    return bool(COELIAC_TEST.search(test)) or (bool(H_PYLORI_TEST.search(test)) and _any(caveats, PPI_BEFORE_H_PYLORI))


def short_reason(text: str) -> str:
    """A test's reason for page 1: its first sentence outside brackets, its source dropped (the appendix has it), at most
    about 80 characters, cut at a word, never mid-bracket.

    The rules write reasons as "What it is for (SOURCE; OTHER SOURCE)."; a bracket stays whole or goes whole.
    """
    text = " ".join(text.split())
    depth, cut = 0, len(text)
    for i, c in enumerate(text):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and c in ".;" and (i + 1 == len(text) or text[i + 1] == " "):
            cut = i
            break
    clause = re.sub(r"\s*\([^()]*\)$", "", text[:cut].strip())
    if len(clause) > REASON_MAX:
        clause = _before_open_bracket(clause[:REASON_MAX].rsplit(" ", 1)[0]).rstrip(",;:- ") + "\u2026"
    return _before_open_bracket(clause)


def _before_open_bracket(text: str) -> str:
    """The text up to a bracket it leaves open (a cut never leaves "(NICE DG11" or "(iron deficiency, ...")."""
    depth, start = 0, None
    for i, c in enumerate(text):
        if c == "(":
            depth, start = depth + 1, i if depth == 0 else start
        elif c == ")" and depth:
            depth -= 1
    return text[:start].rstrip() if depth and start is not None else text


def _any(items: Sequence[Item], pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(i.title) for i in items)


def gp_caveats(caveats: Sequence[Item], gp_tests: Sequence[str]) -> list[str]:
    """The caveats that change how the GP does the tests: gluten before coeliac serology, PPI off before H. pylori."""
    lines = []
    if any(COELIAC_TEST.search(t) for t in gp_tests):
        lines.append(
            "Ask the patient to keep eating gluten (in more than one meal every day) until the coeliac blood test is done."
        )
    if any(H_PYLORI_TEST.search(t) for t in gp_tests) and _any(caveats, PPI_BEFORE_H_PYLORI):
        lines.append("Stop the PPI 2 weeks before the H. pylori breath or stool test (an antacid may be used meanwhile).")
    others = [c for c in caveats if not (GLUTEN.search(c.title) or PPI_BEFORE_H_PYLORI.search(c.title))]
    lines.extend(f"Note: {c.title}." for c in others[:CAVEAT_NOTES])  # the appendix lists every caveat
    return lines


def patient_caveats(caveats: Sequence[Item], gp_tests: Sequence[str]) -> list[str]:
    """The same caveats as the patient acts on them, in plain words."""
    lines = []
    if any(COELIAC_TEST.search(t) for t in gp_tests):
        lines.append("Keep eating foods with gluten, such as bread or pasta, every day until your coeliac blood test.")
    if any(H_PYLORI_TEST.search(t) for t in gp_tests) and _any(caveats, PPI_BEFORE_H_PYLORI):
        lines.append("Stop your acid-reducing medicine (PPI) 2 weeks before the H. pylori test, unless told otherwise.")
    return lines
