"""The referral letter's revisions: each edit, signature or amendment is a new row, so the history is never lost."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from triage.db.clock import utcnow
from triage.db.models.base import Base


class LetterRevision(Base):
    """One saved state of an intake's letter: the clinician's texts, the struck differentials, who and when.

    The newest row is the letter; the rows before it are its history (the previous text of every edit).
    `action` is "edit", "sign" or "amend"; a "sign" row carries signed_at, and an "amend" starts the next revision.
    """

    __tablename__ = "letter_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)
    struck: Mapped[list[str]] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


Index("ix_letter_revisions_intake_id", LetterRevision.intake_id, LetterRevision.id)
