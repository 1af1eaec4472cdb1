"""Impact runs: one background count of what a draft changes for past patients, its progress, result and changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from triage.db.clock import utcnow
from triage.db.models.base import Base


class ImpactRun(Base):
    """A count of one draft's content against one published version over the data as it stood (its watermark).

    The run key hashes all of those (and the sample size), so a second request for the same draft and data finds the
    stored run. The worker running it holds `owner` and beats `heartbeat_at` after every batch; a run whose heartbeat
    is older than a job lease lost its worker and is taken over where it stopped (`cursor`).
    """

    __tablename__ = "impact_runs"
    __table_args__ = (Index("ix_impact_runs_run_key", "run_key", "id"), Index("ix_impact_runs_created_at", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_key: Mapped[str] = mapped_column(String(64))
    draft_id: Mapped[int] = mapped_column(Integer)
    draft_sha256: Mapped[str] = mapped_column(String(64))
    draft_version: Mapped[str] = mapped_column(String(64))
    published_sha256: Mapped[str] = mapped_column(String(64))
    published_version: Mapped[str] = mapped_column(String(64))
    sample: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the newest N submitted intakes; None: all
    watermark: Mapped[str] = mapped_column(String(200))
    max_intake_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # intakes above it are not read
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued running done cancelled failed outdated
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    evaluated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    changed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cursor: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the last intake id counted (newest first)
    owner: Mapped[str] = mapped_column(String(32), default="", server_default="")
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    requested_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # counts and tally, once done
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ImpactRunChange(Base):
    """One intake that would read differently under the run's draft, with its changes, in the run's order (newest first)."""

    __tablename__ = "impact_run_changes"
    __table_args__ = (Index("ix_impact_run_changes_run_position", "run_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("impact_runs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    changes: Mapped[list[Any]] = mapped_column(JSON)  # [[kind, subject, before, after, detail], ...]
