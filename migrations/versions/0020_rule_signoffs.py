"""rule sign-offs: a clinician's sign-off of one rule in one state (its content hash), with a required comment

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create rule_signoffs: one row per rule content hash signed off (a changed rule has a new hash, so no sign-off)."""
    op.create_table(
        "rule_signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False, server_default=""),
        sa.Column("ruleset_label", sa.String(64), nullable=False, server_default=""),
        sa.Column("signed_by", sa.String(254), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rule_signoffs"),
        sa.UniqueConstraint("rule_id", "sha256", name="uq_rule_signoffs_rule_id"),
    )


def downgrade() -> None:
    """Drop rule_signoffs (every rule reads as awaiting clinical sign-off again; the audit rows of sign-offs stay)."""
    op.drop_table("rule_signoffs")
