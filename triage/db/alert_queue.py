"""The clinic's side of red-flag alerts: the Needs-attention queue, acknowledgement, escalation and the header count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from triage.config import Settings
from triage.db import audit, outbox
from triage.db.alerts import ALERT_TIERS
from triage.db.clinic_profile import load_clinic_profile
from triage.db.clock import as_utc, minute_text, utcnow
from triage.db.evaluations import ruleset_in_force
from triage.db.models import Alert, Intake, User
from triage.db.users import shown_name
from triage.domain.scales import Urgency

# The tiers that raise an alert (triage.db.alerts decides), most urgent first, as stored.
TIERS = tuple(tier.value for tier in ALERT_TIERS)
ACTIONS = {
    "called_patient": "Called the patient",
    "advised_emergency_care": "Advised emergency care",
    "booked_urgent_appointment": "Booked an urgent appointment",
    "not_needed": "Not needed",
    "other": "Other",
}
# The actions that mean nothing without words: the reason it was not needed, or what was done.
NOTE_REQUIRED = {"not_needed": "reason", "other": "note"}
NOTE_MAX = 2000
ESCALATION_SUBJECT = "Escalated: an intake needs urgent attention"


def escalation_body(intake_id: int, settings: Settings) -> str:
    """The escalation email: no health data, only that an intake waits, its id and a staff link that still needs sign-in."""
    link = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/clinic/intakes/{intake_id}"
    return (
        "An intake needs urgent attention.\n"
        f"Its alert has not been acknowledged within {settings.ESCALATION_MINUTES} minutes.\n"
        f"Intake: {intake_id}\n\n"
        f"Sign in to see it: {link}\n"
    )


def escalate_due(session: Session, now: dt.datetime, settings: Settings) -> int:
    """Escalate every unacknowledged emergency alert raised more than ESCALATION_MINUTES before `now`; returns how many."""
    cutoff = now - dt.timedelta(minutes=settings.ESCALATION_MINUTES)
    due = list(
        session.scalars(
            select(Alert.id)
            .where(
                Alert.urgency == Urgency.EMERGENCY.value,
                Alert.acknowledged_at.is_(None),
                Alert.escalated_at.is_(None),
                Alert.raised_at < cutoff,
            )
            .order_by(Alert.raised_at, Alert.id)
        )
    )
    recipient = load_clinic_profile(session, settings).escalation_email  # set by an admin, or the environment's
    escalated = 0
    for alert_id in due:
        # The guarded update claims the alert: a second worker (or an acknowledgement) racing this one changes no row.
        claimed = session.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.escalated_at.is_(None), Alert.acknowledged_at.is_(None))
            .values(escalated_at=now)
            .execution_options(synchronize_session=False)
        )
        if cast("CursorResult[Any]", claimed).rowcount != 1:
            continue
        intake_id = session.scalar(select(Alert.intake_id).where(Alert.id == alert_id)) or 0
        if recipient:
            outbox.enqueue(
                session,
                kind="escalation",
                recipient=recipient,
                dedupe_key=f"escalation:{alert_id}",
                subject=ESCALATION_SUBJECT,
                body=escalation_body(intake_id, settings),
                intake_id=intake_id,
                details={"alert_id": alert_id},
            )
        audit.record(
            session,
            actor="worker",
            role="system",
            action="alert.escalate",
            intake_id=intake_id,
            detail=f"alert {alert_id} unacknowledged after {settings.ESCALATION_MINUTES} minutes; "
            + ("email queued" if recipient else "no escalation address set"),
        )
        escalated += 1
    session.flush()
    return escalated


@dataclass(frozen=True)
class AlertView:
    """One alert as the queue, the intake page and the command line show it (plain data, no answers)."""

    id: int
    intake_id: int
    ref: str
    urgency: str
    urgency_label: str
    rule_ids: tuple[str, ...]
    # The red-flag rules' titles, for people (the ids stay for the command line and exports).
    flag_titles: tuple[str, ...]
    raised: str
    raised_iso: str
    raised_while: str
    # The patient has sent the intake (submitted or reviewed); otherwise it is "not yet sent by the patient".
    sent: bool
    # In progress with no activity for STALE_FLAG_HOURS: the patient may have given up.
    stalled: bool
    last_activity: str
    escalated: str
    escalated_iso: str | None
    acknowledged: str
    acknowledged_iso: str | None
    acknowledged_by: str
    action: str
    action_label: str
    note: str


@dataclass(frozen=True)
class AttentionQueue:
    """The Needs-attention page: open alerts (most urgent, then longest waiting first) and the latest acknowledged."""

    open: tuple[AlertView, ...]
    acknowledged: tuple[AlertView, ...]


@dataclass(frozen=True)
class Acknowledgement:
    """What became of an acknowledgement: `ok`, `already` (someone acknowledged it first) or `missing`."""

    outcome: str
    intake_id: int | None = None
    urgency: str = ""


def _iso(moment: dt.datetime | None) -> str | None:
    return as_utc(moment).isoformat(timespec="seconds") if moment is not None else None


def _select() -> Any:
    return (
        select(Alert, Intake.ref, Intake.status, Intake.updated_at, shown_name(User))
        .join(Intake, Intake.id == Alert.intake_id)
        .outerjoin(User, User.id == Alert.acknowledged_by)
    )


def _titled(titles: dict[str, str], rule_id: str) -> str:
    # The title for people, the id kept beside it so the alert traces back to its rule.
    title = titles.get(rule_id)
    return f"{title} ({rule_id})" if title else rule_id


def _views(session: Session, stmt: Any, now: dt.datetime, stale_hours: float) -> list[AlertView]:
    stale_before = now - dt.timedelta(hours=stale_hours)
    titles = {rule.id: rule.title for rule in ruleset_in_force(session).rules}
    views = []
    for alert, ref, status, updated_at, acknowledger in session.execute(stmt):
        sent = status in ("submitted", "reviewed")
        views.append(
            AlertView(
                id=alert.id,
                intake_id=alert.intake_id,
                ref=ref,
                urgency=alert.urgency,
                urgency_label=Urgency(alert.urgency).label if alert.urgency in TIERS else alert.urgency,
                rule_ids=tuple(alert.rule_ids or ()),
                flag_titles=tuple(_titled(titles, rule_id) for rule_id in alert.rule_ids or ()),
                raised=minute_text(alert.raised_at),
                raised_iso=_iso(alert.raised_at) or "",
                raised_while=alert.raised_while,
                sent=sent,
                stalled=not sent and as_utc(updated_at) < stale_before,
                last_activity=minute_text(updated_at),
                escalated=minute_text(alert.escalated_at),
                escalated_iso=_iso(alert.escalated_at),
                acknowledged=minute_text(alert.acknowledged_at),
                acknowledged_iso=_iso(alert.acknowledged_at),
                acknowledged_by=acknowledger or "",
                action=alert.action or "",
                action_label=ACTIONS.get(alert.action or "", alert.action or ""),
                note=alert.note or "",
            )
        )
    return views


def _tier_first(views: list[AlertView]) -> list[AlertView]:
    # Emergencies first, then the longest waiting (the ISO times sort as the instants they name: all are UTC).
    return sorted(views, key=lambda v: (Urgency.rank_of(v.urgency), v.raised_iso, v.id))


def open_alerts(session: Session, now: dt.datetime, stale_hours: float, include_acknowledged: bool = False) -> list[AlertView]:
    """Unacknowledged alerts (all alerts with include_acknowledged), most urgent first, then longest waiting."""
    stmt = _select()
    if not include_acknowledged:
        stmt = stmt.where(Alert.acknowledged_at.is_(None))
    return _tier_first(_views(session, stmt, now, stale_hours))


def attention_queue(session: Session, now: dt.datetime, stale_hours: float, acknowledged_limit: int = 20) -> AttentionQueue:
    """The Needs-attention queue: every open alert, and the most recently acknowledged ones below it."""
    done = _select().where(Alert.acknowledged_at.is_not(None)).order_by(Alert.acknowledged_at.desc(), Alert.id.desc())
    return AttentionQueue(
        open=tuple(open_alerts(session, now, stale_hours)),
        acknowledged=tuple(_views(session, done.limit(acknowledged_limit), now, stale_hours)),
    )


def alerts_for_intake(
    session: Session, intake_id: int, *, now: dt.datetime | None = None, stale_hours: float | None = None
) -> list[AlertView]:
    """One intake's alerts, acknowledged or not, most urgent first (for the intake page's alert panel)."""
    hours = stale_hours if stale_hours is not None else float(Settings.model_fields["STALE_FLAG_HOURS"].default)
    return _tier_first(_views(session, _select().where(Alert.intake_id == intake_id), now or utcnow(), hours))


def unacknowledged_counts(session: Session) -> dict[str, int]:
    """How many alerts of each tier (emergency, urgent) wait for acknowledgement."""
    counts = dict.fromkeys(TIERS, 0)
    rows = session.execute(select(Alert.urgency, func.count()).where(Alert.acknowledged_at.is_(None)).group_by(Alert.urgency))
    counts.update({urgency: n for urgency, n in rows if urgency in counts})
    return counts


def acknowledgement_problem(action: str, note: str) -> str | None:
    """Why an acknowledgement cannot be stored as given (naming the field at fault), or None when it can."""
    if action not in ACTIONS:
        return "Action taken: choose one of the listed actions."
    if len(note) > NOTE_MAX:
        return f"Note: keep it to at most {NOTE_MAX} characters."
    if action in NOTE_REQUIRED and not note.strip():
        return f"Note: write the {NOTE_REQUIRED[action]} (required when the action is “{ACTIONS[action]}”)."
    return None


def alert_intake(session: Session, alert_id: int) -> int | None:
    """The intake an alert belongs to (None when there is no such alert)."""
    intake_id: int | None = session.scalar(select(Alert.intake_id).where(Alert.id == alert_id))
    return intake_id


def acknowledge(session: Session, alert_id: int, user_id: int, action: str, note: str, now: dt.datetime) -> Acknowledgement:
    """Record who acknowledged an alert, when, the action taken and a note; the first acknowledgement stands."""
    problem = acknowledgement_problem(action, note)
    if problem:
        raise ValueError(problem)
    found = session.execute(select(Alert.intake_id, Alert.urgency).where(Alert.id == alert_id)).first()
    if found is None:
        return Acknowledgement("missing")
    # The intake's row first: the alert's worklist trigger (migration 0009) updates it, and a patient's save holds it
    # before extending the alert, so taking both in that order cannot deadlock on PostgreSQL.
    session.execute(select(Intake.id).where(Intake.id == found[0]).with_for_update())
    # Guarded: of two clinicians acknowledging at once, one changes the row and the other is told it was done.
    stored = session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by=user_id, action=action, note=note.strip())
        .execution_options(synchronize_session=False)
    )
    outcome = "ok" if cast("CursorResult[Any]", stored).rowcount == 1 else "already"
    return Acknowledgement(outcome, found[0], found[1])
