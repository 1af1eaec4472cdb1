"""Reminder test helpers: an invitation with an appointment made at a chosen time, minting opt-out links, reading reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from triage.config import Settings
from triage.db import intakes as queries
from triage.db.invitation_links import mint_token
from triage.db.models import Intake, Invitation, OutboxMessage
from triage.domain.invitations.contact import InvitationContact
from triage.domain.questionnaire.questions import default_questionnaire
from triage.jobs.reminders import queue_reminders

APPOINTMENT = dt.datetime(2027, 3, 15, 10, 0, tzinfo=dt.UTC)  # in a clinic on UTC unless a test says otherwise
DAY = dt.timedelta(days=1)


def invite(
    app: Flask,
    ref: str,
    *,
    created_at: dt.datetime,
    appointment_at: dt.datetime | None = None,
    appointment_date: dt.date | None = None,
    email: str = "patient@example.org",
    mobile: str = "",
    expires_days: int = 30,
) -> int:
    """Create an invitation as if made at `created_at` (expiring `expires_days` later); returns its id."""
    contact = InvitationContact(patient_name="Ada Example", email=email, mobile=mobile, appointment_at=appointment_at)
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(
            session,
            ref=ref,
            questionnaire_version=default_questionnaire().version,
            expires_days=expires_days,
            appointment_date=appointment_date,
            contact=contact,
        )
        assert intake.invitation is not None
        invitation_id = intake.invitation.id
        session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id)
            .values(created_at=created_at, expires_at=created_at + dt.timedelta(days=expires_days))
        )
        session.commit()
    return invitation_id


def change(app: Flask, invitation_id: int, **values: Any) -> None:
    """Set columns of an invitation (revoked_at, reminders_opted_out_at, ...) in their own transaction."""
    with app.extensions["triage_db"].session() as session:
        session.execute(update(Invitation).where(Invitation.id == invitation_id).values(**values))
        session.commit()


def submit_intake(app: Flask, invitation_id: int) -> None:
    """Mark the invitation's intake submitted (the reminder job only reads its status)."""
    with app.extensions["triage_db"].session() as session:
        intake_id = session.scalar(select(Invitation.intake_id).where(Invitation.id == invitation_id))
        session.execute(update(Intake).where(Intake.id == intake_id).values(status="submitted"))
        session.commit()


def opt_out_token(app: Flask, invitation_id: int) -> str:
    """Mint the opt-out token a message would carry; returns the raw token."""
    with app.extensions["triage_db"].session() as session:
        token = mint_token(session, invitation_id, "opt_out")
        session.commit()
    return token


def reminders(app: Flask) -> list[tuple[str, str, dt.datetime]]:
    """Every reminder in the outbox as (dedupe key, recipient, due_at), by key."""
    with app.extensions["triage_db"].session() as session:
        rows = session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.recipient, OutboxMessage.due_at)
            .where(OutboxMessage.kind == "reminder")
            .order_by(OutboxMessage.dedupe_key)
        )
        return [(key, recipient, due if due.tzinfo else due.replace(tzinfo=dt.UTC)) for key, recipient, due in rows]


def reminder_keys(app: Flask) -> list[str]:
    """The dedupe keys of the reminders in the outbox, sorted."""
    return [key for key, _recipient, _due in reminders(app)]


def run_reminders(app: Flask, now: dt.datetime) -> int:
    """One round of the reminder job at `now`, committed; the messages it queued."""
    settings: Settings = app.extensions["triage_settings"]
    with app.extensions["triage_db"].session() as session:
        count = queue_reminders(session, now, settings)
        session.commit()
    return count
