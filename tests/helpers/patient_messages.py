"""Patient messages for tests: an invitation with contact details and its queued messages, a clock the test sets."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from sqlalchemy import select, text

from triage.db.clock import utcnow
from triage.db.intakes import create_invitation
from triage.db.invitation_outbox import queue_invitation_messages
from triage.db.models import Base, Invitation, OutboxMessage
from triage.domain.invitations.contact import InvitationContact
from triage.domain.questionnaire.questions import default_questionnaire

PATIENT_NAME = "Margaret Example-Patient"
DATE_OF_BIRTH = dt.date(1961, 4, 17)
LINK = re.compile(r"https?://[^\s/]+/i/([A-Za-z0-9_-]+)")
OPT_OUT = re.compile(r"https?://[^\s/]+/stop/([A-Za-z0-9_-]+)")


def tomorrow_at(hour: int, minute: int = 0, zone: dt.tzinfo = dt.UTC) -> dt.datetime:
    """Tomorrow at this local time, as UTC: a moment after anything the test queued, before any link expires."""
    day = (utcnow() + dt.timedelta(days=1)).date()
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone).astimezone(dt.UTC)


def invite(
    app: Flask,
    *,
    email: str = "",
    mobile: str = "",
    appointment_at: dt.datetime | None = None,
    language: str = "en",
    kind: str = "invitation",
    ref: str = "MSG-1",
) -> tuple[int, list[int]]:
    """An invitation with these addresses, and its messages of this kind queued with it: (invitation id, message ids)."""
    contact = InvitationContact(
        patient_name=PATIENT_NAME,
        date_of_birth=DATE_OF_BIRTH,
        email=email,
        mobile=mobile,
        appointment_at=appointment_at or tomorrow_at(12) + dt.timedelta(days=7),
    )
    with app.extensions["triage_db"].session() as session:
        _token, intake = create_invitation(
            session,
            ref=ref,
            questionnaire_version=default_questionnaire().version,
            expires_days=30,
            contact=contact,
            language=language,
        )
        assert intake.invitation is not None
        queued = queue_invitation_messages(session, intake.invitation, kind=kind, occasion="created")
        return intake.invitation.id, [m.id for m in queued]


def update_invitation(app: Flask, invitation_id: int, **values: Any) -> None:
    """Change an invitation's columns (revoked_at, reminders_opted_out_at, ...) or, with status=, its intake's status."""
    with app.extensions["triage_db"].session() as session:
        invitation = session.get(Invitation, invitation_id)
        assert invitation is not None
        if "status" in values:
            invitation.intake.status = values.pop("status")
        for name, value in values.items():
            setattr(invitation, name, value)


def message(app: Flask, message_id: int) -> OutboxMessage:
    """The outbox row as stored now."""
    with app.extensions["triage_db"].session() as session:
        found = session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id))
        assert found is not None
        return found


def every_stored_text(app: Flask) -> str:
    """Every value of every column of every table, as text (to check that a secret is stored nowhere)."""
    parts: list[str] = []
    with app.extensions["triage_db"].session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(text(f'SELECT * FROM "{table.name}"')):  # noqa: S608 - names from the metadata
                parts.extend(str(value) for value in row)
    return "\n".join(parts)
