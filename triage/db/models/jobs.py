"""The embedded job queue's table: background jobs that `triage worker` runs when no Redis is configured."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from triage.db.clock import utcnow
from triage.db.models.base import Base


class BackgroundJob(Base):
    """One job: what to run (kind, payload), its state, and the lease a worker holds while it runs it.

    A finished job's row is deleted; a job that failed for good stays, with its error class, for the admins' page.
    """

    __tablename__ = "background_jobs"
    __table_args__ = (
        Index("ix_background_jobs_status_due", "status", "due_at", "id"),
        Index("ix_background_jobs_job_key", "job_key", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    # What the job is about (e.g. letter_pdf:12): a second enqueue while one waits to start is a no-op.
    job_key: Mapped[str] = mapped_column(String(200))
    # Ids only, never health data: the job reads what it needs when it runs.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued or failed
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A worker leases the job until this time; a killed worker's lease runs out and another runs the job again.
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The error's class only (e.g. RenderTimeout): an exception's message may quote health data.
    last_error: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
