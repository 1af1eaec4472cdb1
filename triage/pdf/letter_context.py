"""The letter's part of the PDF: the letter built from the report and the stored edits, recipient and sender as plain data."""

from __future__ import annotations

from typing import Any

from triage.db.intake_record import IntakeRecord
from triage.domain.report.identifiers import nhs_number_shown
from triage.domain.report.letter import FIELD_LABELS, Letter, build_letter
from triage.domain.report.model import Report


def record_letter(record: IntakeRecord, report: Report) -> Letter:
    """The intake's letter: generated from its report and standing decision (never from notes), the saved edits over it."""
    decision = record.decision
    state = record.letter
    return build_letter(
        report,
        decision.decision if decision else "",
        dict(state.texts) if state else {},
        state.struck if state else (),
        appointment=record.appointment,
    )


def letter_context(record: IntakeRecord, report: Report) -> dict[str, Any]:
    """What the template's letter page reads: the letter, identifiers, recipient, sender and signature."""
    referral, state, sender = record.referral, record.letter, record.sender
    return {
        "letter": record_letter(record, report),
        "labels": FIELD_LABELS,
        "identifiers": {"nhs": nhs_number_shown(referral.nhs_number), "mrn": referral.mrn},
        "recipient": {
            "name": referral.referrer_name,
            "practice": referral.referrer_practice,
            "contact": referral.referrer_contact,
        },
        "sender": sender,
        "signed": {"by": state.signed_by, "at": state.signed_at, "revision": state.revision} if state and state.signed else None,
        "revision": state.revision if state else 1,
    }
