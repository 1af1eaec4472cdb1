"""The referral letter's generated text: bottom line, impression, plan, actions for the GP and for the patient."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from triage.domain.engine.result_view import DifferentialView, Item
from triage.domain.report.letter_words import (
    DECISION_HEADINGS,
    DECISION_PLANS,
    at_clinic,
    gp_caveats,
    has_caveat,
    patient_caveats,
    short_reason,
)
from triage.domain.report.model import Report
from triage.domain.report.words import join_words

# The clinician edits these, in this order; each is plain text, one item a line (the bottom line is one paragraph).
FIELDS = ("bottom_line", "impression", "plan", "gp_actions", "patient_actions")
FIELD_LABELS = {
    "bottom_line": "Bottom line",
    "impression": "Impression",
    "plan": "Plan",
    "gp_actions": "Actions for the GP",
    "patient_actions": "Actions for the patient",
}
GP_TESTS = 4
PEOPLE = {"female": "woman", "male": "man"}  # the tests that matter most; the appendix lists every suggested test
SAFETY_NET = (
    "If you notice blood in your stool, black stools, vomiting blood, or you feel much worse, "
    "contact your GP the same day or call 111 (999 in an emergency)."
)


@dataclass(frozen=True)
class Letter:
    """The letter as the PDF and the letter page show it: urgency heading, kept differentials and the final texts."""

    urgency: str
    decided: bool
    kept: tuple[DifferentialView, ...]
    struck: tuple[DifferentialView, ...]
    texts: Mapping[str, str]
    generated: Mapping[str, str]

    def lines(self, field: str) -> list[str]:
        """One field's non-empty lines (list items in the letter)."""
        return [line.strip() for line in self.texts.get(field, "").splitlines() if line.strip()]

    @property
    def edited(self) -> tuple[str, ...]:
        """The fields whose text the clinician changed from the generated one."""
        return tuple(f for f in FIELDS if self.texts.get(f, "") != self.generated.get(f, ""))


def kept_differentials(report: Report, struck: Sequence[str]) -> tuple[DifferentialView, ...]:
    """The suggested differentials at moderate or high suspicion the clinician has not struck out of the letter."""
    return tuple(d for d in report.differentials if d.level in ("high", "moderate") and d.id not in struck)


def _impression(kept: Sequence[DifferentialView]) -> str:
    lines = []
    for d in kept:
        because = join_words([f.title[0].lower() + f.title[1:] for f in d.findings_for[:2]])
        lines.append(f"{d.name}: {d.level} suspicion" + (f" ({because})" if because else ""))
    return "\n".join(lines) or "No condition reached moderate or high suspicion from the answers."


def _tests(report: Report) -> tuple[list[Item], list[Item]]:
    """The suggested tests split into those the GP can arrange before the visit and those for the clinic."""
    suggested = [i for i in report.investigations if not i.deferred]
    gp = [i for i in suggested if not at_clinic(i.title)]
    # A test whose caveat changes how it is done (gluten, PPI) comes first, so its caveat reaches page 1.
    gp.sort(key=lambda i: not has_caveat(i.title, report.caveats))
    return gp[:GP_TESTS], [i for i in suggested if at_clinic(i.title)]


def emergency(report: Report, decision: str) -> bool:
    """Whether the patient needs same-day care: decided so, or undecided with an emergency red flag."""
    return decision == "emergency_now" or (not decision and report.top_urgency == "emergency")


def _gp_actions(report: Report, decision: str) -> str:
    if emergency(report, decision):
        # Tests before a visit have no place when the patient must be seen today; the appendix still lists them.
        flag = report.red_flags[0] if report.red_flags else None
        return "Arrange same-day hospital assessment today" + (f": {flag.action}" if flag else ".")
    gp, _clinic = _tests(report)
    lines = []
    for item in gp:
        reason = short_reason(item.reasons[0] if item.reasons else item.text)
        lines.append(f"Please arrange: {item.title}" + (f" - {reason}" if reason else ""))
    lines.extend(gp_caveats(report.caveats, [i.title for i in gp]))
    return "\n".join(lines) or "No tests are needed before the visit."


def _patient_actions(report: Report, decision: str) -> str:
    if emergency(report, decision):
        return "Go to hospital today, as your GP or the clinic advises; do not wait for the clinic appointment.\n" + SAFETY_NET
    gp, _clinic = _tests(report)
    lines = list(patient_caveats(report.caveats, [i.title for i in gp]))
    if gp:
        lines.insert(0, "Have the tests your GP arranges done before the clinic visit.")
    return "\n".join([*lines, SAFETY_NET])


def _plan(report: Report, decision: str, appointment: str) -> str:
    """The plan from the recorded decision, the appointment and the suggested tests, never from notes.

    Workspace notes, decision and alert notes and differential feedback are the clinic's own (for colleagues and the
    rule editors): what the GP should read the clinician writes into the letter itself.
    """
    lines = [DECISION_PLANS.get(decision, "The clinic has not yet recorded a triage decision.")]
    if appointment and decision not in ("emergency_now", "no_appointment_advice"):
        lines[0] += f" The appointment is on {appointment}."
    if decision == "no_appointment_advice":
        return "\n".join(lines)
    gp, clinic = _tests(report)
    if gp and not emergency(report, decision):
        lines.append("We will review the results of the tests arranged before the visit (actions for the GP).")
    if clinic:
        lines.append("At the clinic: " + "; ".join(i.title for i in clinic) + ".")
    return "\n".join(lines)


def _bottom_line(report: Report, decision: str, kept: Sequence[DifferentialView]) -> str:
    p = report.patient
    who = p.name or "The patient"
    person = PEOPLE.get(p.sex.lower(), "")
    about = " ".join(x for x in (f"{p.age}-year-old" if p.age is not None else "", person) if x)
    parts = [f"{who}{f' ({about})' if about else ''}."]
    if decision in DECISION_HEADINGS:
        parts.append(f"Triage decision: {DECISION_HEADINGS[decision].lower()}.")
    if kept:
        parts.append(f"Most likely {kept[0].name} ({kept[0].level} suspicion).")
    flags = len(report.red_flags)
    if flags:
        parts.append(f"{flags} warning sign{'s' if flags != 1 else ''}, the most urgent: {report.red_flags[0].title}.")
    gp, _clinic = _tests(report)
    if emergency(report, decision):
        parts.append("The patient needs same-day hospital assessment.")
    elif gp:
        parts.append(f"Please arrange {len(gp)} test{'s' if len(gp) != 1 else ''} before the visit (actions below).")
    return " ".join(parts)


def generated_texts(report: Report, decision: str, struck: Sequence[str] = (), appointment: str = "") -> dict[str, str]:
    """The letter's texts as the rules and the recorded decision write them: the clinician's starting point."""
    kept = kept_differentials(report, struck)
    return {
        "bottom_line": _bottom_line(report, decision, kept),
        "impression": _impression(kept),
        "plan": _plan(report, decision, appointment),
        "gp_actions": _gp_actions(report, decision),
        "patient_actions": _patient_actions(report, decision),
    }


def build_letter(
    report: Report,
    decision: str,
    edits: Mapping[str, str],
    struck: Sequence[str] = (),
    appointment: str = "",
) -> Letter:
    """The letter: the generated texts with the clinician's saved edits over them, and the differentials kept."""
    generated = generated_texts(report, decision, struck, appointment)
    texts = {f: edits[f] if f in edits else generated[f] for f in FIELDS}
    return Letter(
        urgency=DECISION_HEADINGS.get(decision, "Not yet triaged"),
        decided=decision in DECISION_HEADINGS,
        kept=kept_differentials(report, struck),
        struck=tuple(d for d in report.differentials if d.id in struck),
        texts=texts,
        generated=generated,
    )


def clinician_edits(
    submitted: Mapping[str, str], generated_now: Mapping[str, str], generated_before: Mapping[str, str], saved: Mapping[str, str]
) -> dict[str, str]:
    """The fields the clinician has written: a text kept as saved, or changed from the generated one.

    A text equal to the generated one (as the page showed it, or as it reads after this submission's strikes) is not
    stored, so the letter keeps following the rules and the decision until the clinician writes the field.
    """
    edits = {}
    for field in FIELDS:
        text = submitted.get(field, "")
        if field in saved and text == saved[field]:
            edits[field] = text
        elif text not in (generated_now.get(field), generated_before.get(field)):
            edits[field] = text
    return edits
