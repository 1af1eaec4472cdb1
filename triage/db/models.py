"""Typed SQLAlchemy models. The schema itself is built only by the Alembic migrations."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, LargeBinary, DateTime, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

INTAKE_STATUSES = ("invited", "in_progress", "submitted", "reviewed")


def utcnow() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING)


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


class AuditEvent(Base):
    """An append-only audit row; each row carries a hash chained to the previous one."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(48), index=True)
    intake_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    ruleset_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_sha256: Mapped[str] = mapped_column(String(64))
    row_sha256: Mapped[str] = mapped_column(String(64))


class RateLimitHit(Base):
    """A fixed-window counter shared by every app process (e.g. bad links per client address)."""

    __tablename__ = "rate_limit_hits"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """A staff account: clinician, rules editor and/or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(120))  # comma-separated: clinician,rules_editor,admin
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffSession(Base):
    """A server-side staff session; the cookie holds only its random id, stored here hashed."""

    __tablename__ = "staff_sessions"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RecoveryCode(Base):
    """A one-time two-factor recovery code, stored hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ClinicianNote(Base):
    """A clinician's note on an intake."""

    __tablename__ = "clinician_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DifferentialFeedback(Base):
    """A clinician's agree/disagree on one differential of one evaluation (read by rule editors)."""

    __tablename__ = "differential_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    differential_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agrees: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PdfCache(Base):
    """A rendered PDF, keyed by intake, result, notes and template version, so a repeat download is not re-rendered."""

    __tablename__ = "pdf_cache"

    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AppSetting(Base):
    """Small key/value settings changed at run time (e.g. an admin's switches)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RulesetVersion(Base):
    """A ruleset kept in the database: a numbered, immutable published version, or a draft being edited."""

    __tablename__ = "ruleset_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)  # set when published
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)  # draft, published, discarded
    draft_slot: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)  # 1 for the one open draft
    label: Mapped[str] = mapped_column(String(64))  # the ruleset's own version text (ruleset.yaml 'version')
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # the engine's content hash of the documents
    documents: Mapped[dict[str, Any]] = mapped_column(JSON)  # file name -> parsed YAML document
    tests: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # test file name -> {"cases": [...]}
    test_report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the last run of the rule tests
    summary: Mapped[str] = mapped_column(Text, default="")
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("ruleset_versions.id"), nullable=True)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    editors: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    approved_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": lock_version}


# For the rules editor's impact view: one question's answers across all intakes, without reading the rest.
Index("ix_answers_question_intake", Answer.question_id, Answer.intake_id)


__all__ = ["Base", "Intake", "Invitation", "Answer", "Evaluation", "AuditEvent", "RateLimitHit", "AppSetting", "User", "StaffSession", "RecoveryCode", "ClinicianNote", "DifferentialFeedback", "PdfCache", "RulesetVersion", "INTAKE_STATUSES", "utcnow"]
