"""A clinician's sign-off of one rule in one state: the rule's content hash, who, when, and the required comment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.db.clock import utcnow
from triage.db.models.base import Base


class RuleSignoff(Base):
    """One rule signed off in one state; a later change gives the rule a new hash, which has no sign-off yet."""

    __tablename__ = "rule_signoffs"
    __table_args__ = (UniqueConstraint("rule_id", "sha256", name="uq_rule_signoffs_rule_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))  # triage.domain.governance.signoff.rule_hash
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # what was hashed: shows what changed since the sign-off
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    ruleset_label: Mapped[str] = mapped_column(String(64), default="", server_default="")  # the version or draft it was read in
    signed_by: Mapped[str] = mapped_column(String(254))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    comment: Mapped[str] = mapped_column(Text)
