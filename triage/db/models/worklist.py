"""How many intakes are in each status, kept by database triggers so that no page counts the whole history."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from triage.db.models.base import Base


class IntakeStatusCount(Base):
    """The number of intakes in one status; triggers on intakes (migration 0009) change it in the same transaction."""

    __tablename__ = "intake_status_counts"

    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, server_default="0")
