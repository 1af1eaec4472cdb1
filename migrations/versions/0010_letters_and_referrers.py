"""referrer and patient identifiers on intakes; the referral letter's revisions (edits, signature)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
# The referral's optional details, captured on the invitation and editable by clinic staff ('' when not given).
REFERRAL_COLUMNS = (
    ("nhs_number", 10),
    ("mrn", 32),
    ("referrer_name", 120),
    ("referrer_practice", 200),
    ("referrer_contact", 200),
)


def upgrade() -> None:
    """Add the referral columns and the letter_revisions table."""
    # Plain ADD / DROP COLUMN on both databases (SQLite 3.35+ does both in place): a batch rebuild of intakes would
    # lose the worklist triggers of 0009.
    for name, length in REFERRAL_COLUMNS:
        op.add_column("intakes", sa.Column(name, sa.String(length), nullable=False, server_default=""))
    op.create_table(
        "letter_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("intake_id", sa.Integer, sa.ForeignKey("intakes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("texts", sa.JSON, nullable=False),
        sa.Column("struck", sa.JSON, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("signed_at", TZ, nullable=True),
    )
    op.create_index("ix_letter_revisions_intake_id", "letter_revisions", ["intake_id", "id"])


def downgrade() -> None:
    """Drop the letter revisions and the referral columns."""
    op.drop_index("ix_letter_revisions_intake_id", table_name="letter_revisions")
    op.drop_table("letter_revisions")
    for name, _length in reversed(REFERRAL_COLUMNS):
        op.drop_column("intakes", name)
