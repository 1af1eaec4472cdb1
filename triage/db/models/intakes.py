"""Intakes and their invitation links, answers, evaluations and cached PDFs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.db.clock import utcnow
from triage.db.models.base import Base

INTAKE_STATUSES = ("invited", "in_progress", "submitted", "reviewed")


class Intake(Base):
    """One patient's questionnaire, from invitation to submission and review."""

    __tablename__ = "intakes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="invited")
    questionnaire_version: Mapped[str] = mapped_column(String(32))
    appointment_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answers_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Raw inputs that did not validate yet, kept so the patient never loses what was typed.
    pending_inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The standing triage decision and assignee (the newest TriageDecision row), kept here to filter the worklist.
    decision: Mapped[str | None] = mapped_column(String(32), nullable=True)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # The worklist's columns, kept by database triggers (migration 0009) in the transaction that changes what they
    # summarise, whoever writes it; the app never sets them. The newest evaluation: its urgency rank (3 emergency,
    # 2 urgent, 1 soon, 0 none) and top differential. The alerts: the most urgent one's rank, how many wait for
    # acknowledgement, when the first was raised.
    urgency_rank: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    top_differential: Mapped[str | None] = mapped_column(String(64), nullable=True)
    alert_rank: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    alerts_open: Mapped[int] = mapped_column(Integer, server_default="0")
    first_alert_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Derived from the row: the queue tier, 0 for the most urgent to 3 for no red flag, 4 for an intake that waits for
    # nobody; the queue time, since when it waits (its submission, or in progress its first alert) or else its last
    # change; and the reference folded for search.
    queue_order: Mapped[int] = mapped_column(SmallInteger, server_default="4")
    queue_time: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default="1970-01-01 00:00:00.000000")
    ref_key: Mapped[str] = mapped_column(String(64), server_default="")
    # The referral's optional details (migration 0010), captured on the invitation and editable by clinic staff;
    # '' when not given. The FHIR export reads nhs_number and mrn.
    nhs_number: Mapped[str] = mapped_column(String(10), default="", server_default="")
    mrn: Mapped[str] = mapped_column(String(32), default="", server_default="")
    referrer_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    referrer_practice: Mapped[str] = mapped_column(String(200), default="", server_default="")
    referrer_contact: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The language the patient reads the questionnaire in (migration 0015): answers are stored as the same choice
    # values in every language; only the pages and free text differ.
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")

    answers: Mapped[list[Answer]] = relationship(back_populates="intake", cascade="all, delete-orphan", order_by="Answer.id")
    invitation: Mapped[Invitation | None] = relationship(back_populates="intake", uselist=False)


class Invitation(Base):
    """A private link for one patient: only the SHA-256 of its token is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str] = mapped_column(String(120), default="cli")
    # Who the link is for and how it reaches them (migration 0016); '' or None when not given. The date of birth is
    # what the patient proves before any answer or name is shown.
    patient_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    mobile: Mapped[str] = mapped_column(String(20), default="", server_default="")  # E.164, e.g. +447700900123
    appointment_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)  # 0018
    # The date-of-birth check: wrong answers in a row, and until when the link is locked after too many.
    dob_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # For the completion figures: when the link was first opened and first passed the check.
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reminders_opted_out_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    intake: Mapped[Intake] = relationship(back_populates="invitation")


class InvitationToken(Base):
    """A token minted for one sent message (its link, or its opt-out link): only the SHA-256 is stored.

    A message's body is composed when it is sent, so no raw token ever rests in the outbox; a resend or a revoke
    deletes an invitation's rows, and every link sent before stops working at once.
    """

    __tablename__ = "invitation_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # 'link' or 'opt_out'
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"), nullable=True)


class Answer(Base):
    """One stored answer, keyed by question id and the questionnaire version that asked it."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("intake_id", "question_id", name="uq_answers_intake_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    questionnaire_version: Mapped[str] = mapped_column(String(32))
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    intake: Mapped[Intake] = relationship(back_populates="answers")


class Evaluation(Base):
    """A rules-engine result for one intake, pinned to the ruleset (version, hash) and derived facts' version that made it."""

    __tablename__ = "evaluations"
    __table_args__ = (Index("ix_evaluations_intake_created", "intake_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"))
    ruleset_version: Mapped[str] = mapped_column(String(64))
    ruleset_sha256: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    fired_rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    top_differential: Mapped[str | None] = mapped_column(String(64), nullable=True)
    top_urgency: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str] = mapped_column(String(32), default="submit")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The stored ruleset version that made this result (set from the hash when the evaluation is stored).
    ruleset_version_id: Mapped[int | None] = mapped_column(ForeignKey("ruleset_versions.id"), nullable=True, index=True)
    # The derived facts' code version (triage.domain.questionnaire.derived_version); NULL before it was recorded.
    derived_facts_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PdfCache(Base):
    """A rendered PDF, keyed by intake, result, notes and template version, so a repeat download is not re-rendered."""

    __tablename__ = "pdf_cache"

    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# For the rules editor's impact view: one question's answers across all intakes, without reading the rest.
Index("ix_answers_question_intake", Answer.question_id, Answer.intake_id)

# The worklist reads a page by walking one of these in order from its cursor (triage.db.worklist_order): a column
# sort with the id as tie-break, and the default order (queue tier, then queue time) alone or behind a filter.
QUEUE = (Intake.queue_order, Intake.queue_time, Intake.id)
WORKLIST_INDEXES = {
    "sort_ref": (Intake.ref, Intake.id),
    "sort_status": (Intake.status, Intake.id),
    "sort_updated": (Intake.updated_at, Intake.id),
    "sort_created": (Intake.created_at, Intake.id),
    "sort_submitted": (Intake.submitted_at, Intake.id),
    "sort_appointment": (Intake.appointment_date, Intake.id),
    "sort_urgency": (Intake.urgency_rank, Intake.id),
    "queue": QUEUE,
    "queue_status": (Intake.status, *QUEUE),
    "queue_urgency": (Intake.urgency_rank, *QUEUE),
    "queue_status_urgency": (Intake.status, Intake.urgency_rank, *QUEUE),
    "queue_decision": (Intake.decision, *QUEUE),
    "queue_assignee": (Intake.assigned_to, *QUEUE),
}
for name, columns in WORKLIST_INDEXES.items():
    Index(f"ix_intakes_{name}", *columns)
# Search by the start of the reference: byte-wise on PostgreSQL, so that the range ~>=~ prefix ~<~ walks the index.
Index("ix_intakes_ref_key", Intake.ref_key, Intake.id, postgresql_ops={"ref_key": "varchar_pattern_ops"})
