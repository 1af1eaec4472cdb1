"""Triage decisions: record a clinician's decision and assignee on a submitted intake, list the history, list clinicians."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, aliased

from triage.db.clock import minute_text, utcnow
from triage.db.models import Intake, TriageDecision, User
from triage.db.users import parse_roles, shown_name

DECIDABLE = ("submitted", "reviewed")  # a decision needs the patient's sent answers
NOTE_MAX = 2000
NOT_SENT = "The patient has not sent this questionnaire yet: record the decision once it is submitted."


class Decision(StrEnum):
    """What the clinic will do with an intake, most urgent first."""

    EMERGENCY_NOW = "emergency_now"
    URGENT = "urgent"
    SOON = "soon"
    ROUTINE = "routine"
    NO_APPOINTMENT_ADVICE = "no_appointment_advice"

    @property
    def label(self) -> str:
        """The words staff and the referring physician read."""
        return DECISION_LABELS[self]


DECISION_LABELS = {
    Decision.EMERGENCY_NOW: "Emergency now",
    Decision.URGENT: "Urgent appointment",
    Decision.SOON: "Soon",
    Decision.ROUTINE: "Routine appointment",
    Decision.NO_APPOINTMENT_ADVICE: "No appointment needed: advice to the referrer",
}
DECISIONS = tuple(d.value for d in Decision)


def decision_label(value: str | None) -> str:
    """The label of a stored decision ('' for none; an unknown stored value is shown as stored)."""
    if not value:
        return ""
    try:
        return Decision(value).label
    except ValueError:
        return value


class DecisionRefused(Exception):
    """A decision that cannot be recorded; the message says why, in words staff can act on."""


@dataclass(frozen=True)
class DecisionInfo:
    """One recorded decision as plain data."""

    id: int
    decision: str
    label: str
    assignee: str
    decided_by: str
    decided: str
    note: str


@dataclass(frozen=True)
class Clinician:
    """A staff member who can be assigned an intake."""

    id: int
    name: str  # the display name, or the email address while none is set


def clinicians(session: Session) -> tuple[Clinician, ...]:
    """The active staff accounts holding the clinician role, by the name pages show."""
    rows = session.execute(
        select(User.id, shown_name(User), User.roles).where(User.active.is_(True)).order_by(shown_name(User), User.email)
    )
    return tuple(Clinician(uid, name) for uid, name, roles in rows if "clinician" in parse_roles(roles))


def record_decision(
    session: Session, intake_id: int, decision: str, assigned_to: int | None, decided_by: int, note: str = ""
) -> int:
    """Store a decision (and assignee) on a submitted intake and make it the standing one; returns the new row's id.

    Raises DecisionRefused for an intake not sent yet, an unknown decision or an assignee who is not an active clinician.
    The caller's transaction holds both the row and the intake's update, so they commit (or roll back) together.
    """
    if decision not in DECISIONS:
        raise DecisionRefused(f"'{decision}' is not one of the triage decisions.")
    if session.get(Intake, intake_id) is None:
        raise LookupError(intake_id)
    if assigned_to is not None and assigned_to not in {c.id for c in clinicians(session)}:
        raise DecisionRefused("Assign the intake to an active clinician, or to nobody.")
    now = utcnow()
    # The status is checked in the UPDATE itself, so a concurrent change cannot leave a decision on an unsent intake.
    outcome = session.execute(
        update(Intake)
        .where(Intake.id == intake_id, Intake.status.in_(DECIDABLE))
        .values(decision=decision, assigned_to=assigned_to, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", outcome).rowcount != 1:
        raise DecisionRefused(NOT_SENT)
    row = TriageDecision(
        intake_id=intake_id, decision=decision, assigned_to=assigned_to, decided_by=decided_by, decided_at=now, note=note
    )
    session.add(row)
    session.flush()
    return row.id


def decision_history(session: Session, intake_id: int) -> tuple[DecisionInfo, ...]:
    """Every decision recorded on an intake, newest first (the first one stands)."""
    assignee = aliased(User, name="assignee")
    decider = aliased(User, name="decider")
    rows = session.execute(
        select(TriageDecision, shown_name(assignee), shown_name(decider))
        .outerjoin(assignee, assignee.id == TriageDecision.assigned_to)
        .join(decider, decider.id == TriageDecision.decided_by)
        .where(TriageDecision.intake_id == intake_id)
        .order_by(TriageDecision.id.desc())
    ).all()
    return tuple(
        DecisionInfo(d.id, d.decision, decision_label(d.decision), to or "", by, minute_text(d.decided_at), d.note)
        for d, to, by in rows
    )
