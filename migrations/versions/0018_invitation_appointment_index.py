"""invitation appointment index: the reminder job reads invitations by appointment time

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index invitations.appointment_at, so each worker round reads only the appointments a reminder is due for."""
    op.create_index("ix_invitations_appointment_at", "invitations", ["appointment_at"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_invitations_appointment_at", table_name="invitations")
