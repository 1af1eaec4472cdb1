"""Raising red-flag alerts (one row per intake and tier, mailed through the outbox) and recording the patient's interrupts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.db import audit, outbox
from triage.db.clock import utcnow
from triage.db.intakes import latest_evaluation
from triage.db.models import Alert, PatientInterrupt
from triage.domain.engine.red_flags import Flag, by_urgency, flags_of_result, red_flags
from triage.domain.questionnaire.questions import Answer
from triage.domain.scales import Urgency

# The tiers that raise an alert (and mail the clinic), most urgent first; `soon` only shows on the worklist.
ALERT_TIERS = (Urgency.EMERGENCY, Urgency.URGENT)
# The tiers after which the patient's done page tells them what to do if they get worse.
SAFETY_NET_TIERS = frozenset(tier.value for tier in ALERT_TIERS)
ALERT_SUBJECT = "{tier}: an intake needs urgent attention"


@dataclass(frozen=True)
class AlertMail:
    """Where alert emails go (empty: none are sent, the alert shows in the app only) and the staff site's address."""

    recipient: str
    base_url: str


@dataclass(frozen=True)
class Actor:
    """Who caused the change, as audit rows name them (a patient by invitation, never by name or token)."""

    actor: str
    role: str
    ip: str | None = None


def red_flags_so_far(session: Session, answers: dict[str, Answer], on: dt.date) -> tuple[Flag, ...]:
    """The red flags standing on these answers, with the ruleset new submissions are evaluated with (reads only).

    The published version's reference is the one this process read in the last seconds (triage.db.published_ref).
    """
    # Imported here, as the submission does: a ruleset store that cannot load fails this pass, not every patient page.
    from triage.db import evaluations

    return red_flags(evaluations.ruleset_in_force(session, kept=True), answers, on)


def alert_body(intake_id: int, tier: Urgency, base_url: str) -> str:
    """The alert email: no health information, only that an intake needs attention, its tier, id and a staff link."""
    link = f"{base_url.rstrip('/')}/clinic/intakes/{intake_id}"
    return f"An intake needs urgent attention.\nTier: {tier.label}\nIntake: {intake_id}\n\nSign in to see it: {link}\n"


def _new_alert(session: Session, intake_id: int, tier: Urgency, rule_ids: Sequence[str], raised_while: str) -> Alert | None:
    alert = Alert(intake_id=intake_id, urgency=tier.value, rule_ids=list(rule_ids), raised_at=utcnow(), raised_while=raised_while)
    try:
        # Saves and the submission of one intake hold its row lock, so this only guards against a writer that does not.
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:
        return None
    return alert


def _alert_of(session: Session, intake_id: int, tier: Urgency) -> Alert | None:
    return session.scalar(select(Alert).where(Alert.intake_id == intake_id, Alert.urgency == tier.value))


def raise_alerts(
    session: Session, intake_id: int, flags: Iterable[Flag], raised_while: str, mail: AlertMail, by: Actor
) -> list[int]:
    """Raise or extend the intake's emergency and urgent alerts for these flags; returns the ids of alerts changed.

    One row per intake and tier: a new rule id of a tier already alerted joins its row (audited, no second
    email). A new row is audited and, when an alert address is set, its email is queued in this transaction.
    """
    tiers = {tier: rule_ids for tier, rule_ids in by_urgency(flags).items() if tier in ALERT_TIERS}
    if not tiers:
        return []
    # One look-up for both tiers: a flagged patient's every save passes here.
    existing = {
        alert.urgency: alert
        for alert in session.scalars(
            select(Alert).where(Alert.intake_id == intake_id, Alert.urgency.in_([tier.value for tier in tiers]))
        )
    }
    changed: list[int] = []
    for tier in ALERT_TIERS:
        rule_ids = tiers.get(tier)
        if not rule_ids:
            continue
        alert = existing.get(tier.value)
        created = False
        if alert is None:
            alert = _new_alert(session, intake_id, tier, rule_ids, raised_while)
            created = alert is not None
            alert = alert or _alert_of(session, intake_id, tier)
            if alert is None:
                raise RuntimeError(f"the {tier.value} alert of intake {intake_id} could neither be added nor found")
        added = list(rule_ids) if created else [r for r in rule_ids if r not in alert.rule_ids]
        if not added:
            continue
        if not created:
            alert.rule_ids = [*alert.rule_ids, *added]  # a new list, so the JSON column is written
        audit.record(
            session,
            actor=by.actor,
            role=by.role,
            action="alert.raise",
            intake_id=intake_id,
            ip=by.ip,
            detail=f"{tier.value} alert {alert.id} ({raised_while}): {'raised' if created else 'added'} {', '.join(added)}",
        )
        if created and mail.recipient:
            outbox.enqueue(
                session,
                kind="alert",
                recipient=mail.recipient,
                dedupe_key=f"alert:{alert.id}",
                subject=ALERT_SUBJECT.format(tier=tier.label),
                body=alert_body(intake_id, tier, mail.base_url),
                intake_id=intake_id,
                details={"alert_id": alert.id, "urgency": tier.value},
            )
        changed.append(alert.id)
    if changed:
        session.flush()
    return changed


def raise_from_submission(session: Session, intake_id: int, mail: AlertMail, by: Actor) -> list[int]:
    """Raise alerts for the red flags of the intake's stored submission evaluation (raised_while 'submitted')."""
    stored = latest_evaluation(session, intake_id)
    if stored is None:
        return []
    return raise_alerts(session, intake_id, flags_of_result(stored.result.get("red_flags", [])), "submitted", mail, by)


def shown_emergencies(session: Session, intake_id: int) -> set[str]:
    """The emergency rule ids the patient has already been shown an interrupt page for."""
    rows = session.scalars(
        select(PatientInterrupt.rule_ids).where(
            PatientInterrupt.intake_id == intake_id, PatientInterrupt.urgency == Urgency.EMERGENCY.value
        )
    )
    return {rule_id for rule_ids in rows for rule_id in rule_ids}


def record_interrupt(session: Session, intake_id: int, rule_ids: Sequence[str], step_id: str, by: Actor) -> int:
    """Record that the patient is shown the interrupt page for these emergency flags after a step; returns its id."""
    row = PatientInterrupt(
        intake_id=intake_id, urgency=Urgency.EMERGENCY.value, rule_ids=list(rule_ids), step_id=step_id, shown_at=utcnow()
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=by.actor,
        role=by.role,
        action="patient.interrupt",
        intake_id=intake_id,
        ip=by.ip,
        detail=f"interrupt {row.id} after step {step_id}: emergency {', '.join(rule_ids)}",
    )
    return row.id


def record_interrupt_seen(session: Session, intake_id: int, interrupt_id: int | None, by: Actor) -> None:
    """Record that the patient pressed "I understand - continue my answers" on an interrupt page."""
    audit.record(
        session,
        actor=by.actor,
        role=by.role,
        action="patient.interrupt_ack",
        intake_id=intake_id,
        ip=by.ip,
        detail=f"interrupt {interrupt_id if interrupt_id is not None else 'unknown'} acknowledged by the patient",
    )


def needs_safety_net(session: Session, intake_id: int) -> bool:
    """Whether the submitted intake has an emergency or urgent red flag (its done page then says what to do if worse)."""
    stored = latest_evaluation(session, intake_id)
    return stored is not None and stored.top_urgency in SAFETY_NET_TIERS
