"""Alert rows for the clinic's tests: an intake in a chosen state with alerts raised at chosen times."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from triage.config import Settings
from triage.db import intakes as queries
from triage.db.models import Alert, AuditEvent, Intake, OutboxMessage

T0 = dt.datetime(2024, 3, 5, 10, 0, tzinfo=dt.UTC)


def make_intake(app: Flask, ref: str, status: str = "submitted", updated_at: dt.datetime | None = None) -> int:
    """An intake in this status (no answers: the alert pages never show them), last active at `updated_at`."""
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(session, ref=ref, questionnaire_version="1", expires_days=30)
        intake.status = status
        intake.updated_at = updated_at or dt.datetime.now(dt.UTC)
        if status in ("submitted", "reviewed"):
            intake.submitted_at = intake.updated_at
        return intake.id


def make_alert(
    app: Flask,
    intake_id: int,
    urgency: str = "emergency",
    raised_at: dt.datetime = T0,
    rule_ids: tuple[str, ...] = ("RF-TEST",),
    acknowledged_after: dt.timedelta | None = None,
) -> int:
    """An alert as triage.db.alerts raises it, acknowledged (with no user) after the given time when one is given."""
    with app.extensions["triage_db"].session() as session:
        intake = session.get(Intake, intake_id)
        raised_while = "submitted" if intake is not None and intake.status in ("submitted", "reviewed") else "in_progress"
        alert = Alert(
            intake_id=intake_id, urgency=urgency, rule_ids=list(rule_ids), raised_at=raised_at, raised_while=raised_while
        )
        if acknowledged_after is not None:
            alert.acknowledged_at = raised_at + acknowledged_after
            alert.action = "called_patient"
        session.add(alert)
        session.flush()
        return alert.id


def alert_row(app: Flask, alert_id: int) -> Alert:
    """The stored alert."""
    with app.extensions["triage_db"].session() as session:
        alert: Alert | None = session.get(Alert, alert_id)
        assert alert is not None
        session.expunge(alert)
        return alert


def outbox_rows(app: Flask, kind: str) -> list[OutboxMessage]:
    """The outbox messages of one kind, oldest first."""
    with app.extensions["triage_db"].session() as session:
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))
        session.expunge_all()
        return rows


def audit_of(app: Flask, action: str) -> list[tuple[str, str, int | None, str, str]]:
    """Audit rows of one action as (actor, role, intake id, outcome, detail)."""
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [(r.actor, r.role, r.intake_id, r.outcome, r.detail) for r in rows]


def settings_of(app: Flask) -> Settings:
    """The app's typed settings (what the worker passes to escalate_due)."""
    found: Settings = app.extensions["triage_settings"]
    return found
