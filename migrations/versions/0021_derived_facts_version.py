"""evaluations.derived_facts_version: which version of the derived facts' code computed what the rules read

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add evaluations.derived_facts_version; evaluations stored before it keep NULL (the version is not known)."""
    op.add_column("evaluations", sa.Column("derived_facts_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop evaluations.derived_facts_version (the stored result's JSON keeps the version it was made with)."""
    op.drop_column("evaluations", "derived_facts_version")
