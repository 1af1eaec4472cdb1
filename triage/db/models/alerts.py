"""Red-flag alerts and their acknowledgement, the patient's interrupt pages, triage decisions and the message outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.db.clock import utcnow
from triage.db.models.base import Base


class Alert(Base):
    """One alert per intake and urgency tier (emergency or urgent): raised by red-flag rules, acknowledged by a clinician."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("intake_id", "urgency", name="uq_alerts_intake_urgency"),
        Index("ix_alerts_open", "acknowledged_at", "urgency", "raised_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    urgency: Mapped[str] = mapped_column(String(16))
    rule_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # "in_progress" when raised from the answers so far, "submitted" when raised at submission.
    raised_while: Mapped[str] = mapped_column(String(16), default="in_progress")
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PatientInterrupt(Base):
    """An interrupt page shown to the patient ("these answers may need urgent help today"): what, when, after which step."""

    __tablename__ = "patient_interrupts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    urgency: Mapped[str] = mapped_column(String(16))
    rule_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    step_id: Mapped[str] = mapped_column(String(64), default="")
    shown_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TriageDecision(Base):
    """A clinician's triage decision on a submitted intake, with the clinician it is assigned to; the newest row stands."""

    __tablename__ = "triage_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(32))
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class OutboxMessage(Base):
    """A message to send, committed with the change that caused it; a worker sends it once, retrying with backoff."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # alert, escalation, invitation, reminder, ...
    channel: Mapped[str] = mapped_column(String(16), default="email")  # email, sms
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # What the message is about, for its status page; never health data.
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intakes.id", ondelete="SET NULL"), nullable=True, index=True)
    # One message per event: a second enqueue of the same event is a no-op.
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A worker leases a message until this time; a killed worker's lease runs out and another sends it.
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PatientSession(Base):
    """A server-side patient session: the cookie holds only a random id, stored here hashed, bound to one invitation."""

    __tablename__ = "patient_sessions"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When this browser proved the invitation's date of birth (migration 0016): until then it sees no answer or name.
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
