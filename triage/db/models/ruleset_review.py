"""What each reviewer opened of each state of a draft (the diff, the impact, the tests): approval needs all three."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.db.clock import utcnow
from triage.db.models.base import Base


class RulesetReviewOpen(Base):
    """One reviewer opened one part of a draft in one state (its content hash); a separate row, so the draft's lock stays."""

    __tablename__ = "ruleset_review_opens"
    __table_args__ = (UniqueConstraint("version_id", "sha256", "reviewer", "part", name="uq_ruleset_review_opens_seen"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("ruleset_versions.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    reviewer: Mapped[str] = mapped_column(String(254))
    part: Mapped[str] = mapped_column(String(16))  # "diff", "impact" or "tests"
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
