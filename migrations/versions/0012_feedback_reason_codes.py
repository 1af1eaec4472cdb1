"""differential feedback carries a coded reason (CDS Hooks override reason): not relevant, already done, ...

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable reason code; feedback stored before it has none (an agree, or a disagree in free text)."""
    with op.batch_alter_table("differential_feedback") as batch:
        batch.add_column(sa.Column("reason_code", sa.String(32), nullable=True))


def downgrade() -> None:
    """Drop the reason code (the free-text reason and the verdict stay)."""
    with op.batch_alter_table("differential_feedback") as batch:
        batch.drop_column("reason_code")
