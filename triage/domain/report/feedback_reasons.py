"""A clinician's verdict on a suggested differential, with coded override reasons as CDS Hooks feedback carries them.

CDS Hooks feedback says whether a card's suggestion was accepted or overridden; an override names one of the card's
`overrideReasons` (a Coding: system, code, display) and may add a `userComment`. Here "agree" is the acceptance and
each reason below an override; the clinician's note is the comment, kept for the rule editors only.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM = "urn:gut-triage:differential-override-reason"
AGREE = "agree"
OTHER = "other"


@dataclass(frozen=True)
class Reason:
    """One coded override reason (a CDS Hooks Coding)."""

    code: str
    display: str
    system: str = SYSTEM

    def coding(self) -> dict[str, str]:
        """The reason as a CDS Hooks / FHIR Coding."""
        return {"system": self.system, "code": self.code, "display": self.display}


REASONS: tuple[Reason, ...] = (
    Reason("not_relevant", "Not relevant for this patient"),
    Reason("already_done", "Already done or already known"),
    Reason("disagree_evidence", "Disagree with the evidence"),
    Reason("patient_declined", "Patient declined"),
    Reason(OTHER, "Other"),
)
BY_CODE = {r.code: r for r in REASONS}
# The choices of the feedback control: agreement first, then each override reason.
VERDICTS: tuple[tuple[str, str], ...] = ((AGREE, "Agree"), *((r.code, r.display) for r in REASONS))


def reason_label(code: str | None, agrees: bool) -> str:
    """How a stored verdict reads: "Agreed", a reason's words, or "Disagreed" for one stored before reason codes."""
    if agrees:
        return "Agreed"
    reason = BY_CODE.get(code or "")
    return reason.display if reason else "Disagreed"
