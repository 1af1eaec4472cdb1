"""ehr deliveries: the status of sending each intake's Bundle to the EHR's FHIR endpoint

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create ehr_deliveries: one row per intake whose signed letter is (to be) sent, with the last try's outcome."""
    op.create_table(
        "ehr_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("letter_revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("reason", sa.String(500), nullable=False, server_default=""),
        sa.Column("queued_at", TZ, nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("attempted_at", TZ, nullable=True),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("sent_revision", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ehr_deliveries"),
        sa.UniqueConstraint("intake_id", name="uq_ehr_deliveries_intake_id"),
        sa.ForeignKeyConstraint(["intake_id"], ["intakes.id"], name="fk_ehr_deliveries_intake_id_intakes", ondelete="CASCADE"),
    )
    op.create_index("ix_ehr_deliveries_status_next", "ehr_deliveries", ["status", "next_attempt_at"])


def downgrade() -> None:
    """Drop ehr_deliveries (the EHR keeps what it was sent; the intake pages stop showing the status)."""
    op.drop_index("ix_ehr_deliveries_status_next", table_name="ehr_deliveries")
    op.drop_table("ehr_deliveries")
