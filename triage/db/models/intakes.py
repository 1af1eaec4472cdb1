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
    ref: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="invited", index=True)
    questionnaire_version: Mapped[str] = mapped_column(String(32))
    appointment_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    answers_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Raw inputs that did not validate yet, kept so the patient never loses what was typed.
    pending_inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The standing triage decision and assignee (the newest TriageDecision row), kept here to filter the worklist.
    decision: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)

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

    intake: Mapped[Intake] = relationship(back_populates="invitation")


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
    """A rules-engine result for one intake, pinned to the ruleset version and hash that made it."""

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


class PdfCache(Base):
    """A rendered PDF, keyed by intake, result, notes and template version, so a repeat download is not re-rendered."""

    __tablename__ = "pdf_cache"

    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# For the rules editor's impact view: one question's answers across all intakes, without reading the rest.
Index("ix_answers_question_intake", Answer.question_id, Answer.intake_id)
