"""Sending intakes to the clinic's EHR: one row per intake whose signed letter's Bundle is sent, with its status."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from triage.db.clock import utcnow
from triage.db.models.base import Base


class EhrDelivery(Base):
    """The EHR delivery of one intake: which signed revision is to go, its status and the last try's outcome.

    `status` is "queued", "sending" (a worker holds it until locked_until), "sent", "retrying" (due again at
    next_attempt_at) or "failed" (refused for good; `reason` holds the EHR's OperationOutcome text).
    """

    __tablename__ = "ehr_deliveries"
    __table_args__ = (Index("ix_ehr_deliveries_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), unique=True)
    letter_revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sent_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
