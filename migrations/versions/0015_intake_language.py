"""The patient's language on the intake: the questionnaire is shown in it and the clinic can see which one was used

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add intakes.language (a BCP 47 code such as "es"); existing intakes were all answered in English."""
    op.add_column("intakes", sa.Column("language", sa.String(16), nullable=False, server_default="en"))


def downgrade() -> None:
    """Drop intakes.language (every intake reads as English again).

    A plain DROP COLUMN, also on SQLite (3.35+): a batch copy of intakes would break the worklist triggers on it.
    """
    op.drop_column("intakes", "language")
