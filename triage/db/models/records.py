"""The audit log, rate-limit counters and stored ruleset versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from triage.db.clock import utcnow
from triage.db.models.base import Base


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
    # The case library's figures (triage.db.ruleset_accuracy), measured at publication; None for older versions.
    accuracy: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
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
    # The change request (migration 0011): the author's rationale, the reviewer's comment, discard and restore.
    review_rationale: Mapped[str | None] = mapped_column(Text, nullable=True)
    review_requested_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    review_requested_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    approval_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    discarded_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    discarded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    restored_from_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the earlier version a rollback copies

    __mapper_args__ = {"version_id_col": lock_version}
