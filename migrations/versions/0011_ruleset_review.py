"""ruleset versions as change requests: the author's rationale, the reviewer's comment, discard and restore, review opens

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = (
    ("review_rationale", sa.Text()),
    ("review_requested_by", sa.String(254)),
    ("review_requested_at", sa.DateTime(timezone=True)),
    ("approval_comment", sa.Text()),
    ("discarded_by", sa.String(254)),
    ("discarded_at", sa.DateTime(timezone=True)),
    ("restored_from_id", sa.Integer()),
)


def upgrade() -> None:
    """Add the nullable review columns, and the table of what each reviewer opened of each draft state."""
    # Plain ADD COLUMNs (no table rebuild) keep the triggers that freeze published rows on both databases.
    for name, kind in COLUMNS:
        op.add_column("ruleset_versions", sa.Column(name, kind, nullable=True))
    op.create_table(
        "ruleset_review_opens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("ruleset_versions.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("reviewer", sa.String(254), nullable=False),
        sa.Column("part", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("version_id", "sha256", "reviewer", "part", name="uq_ruleset_review_opens_seen"),
    )


def downgrade() -> None:
    """Drop the review table and columns (the versions themselves stay)."""
    op.drop_table("ruleset_review_opens")
    # SQLite 3.35+ drops a column in place; a batch rebuild would lose the freezing triggers.
    for name, _kind in reversed(COLUMNS):
        op.drop_column("ruleset_versions", name)
