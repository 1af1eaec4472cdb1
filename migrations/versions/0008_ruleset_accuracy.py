"""ruleset versions: the accuracy figures on the case library, measured when the version was published

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable accuracy column: versions published before this revision were never measured."""
    # A plain ADD COLUMN (no table rebuild) keeps the triggers that freeze published rows on both databases.
    op.add_column("ruleset_versions", sa.Column("accuracy", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop the accuracy column (the versions themselves stay)."""
    # SQLite 3.35+ drops a column in place; a batch rebuild would lose the freezing triggers.
    op.drop_column("ruleset_versions", "accuracy")
