"""Invitations that reach the patient: contact details, the date-of-birth check, opt-out, and per-message link tokens

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_INVITATION_COLUMNS = (
    ("patient_name", sa.String(200), "''"),
    ("date_of_birth", sa.Date(), None),
    ("email", sa.String(254), "''"),
    ("mobile", sa.String(20), "''"),
    ("appointment_at", sa.DateTime(timezone=True), None),
    ("dob_failures", sa.Integer(), "0"),
    ("locked_until", sa.DateTime(timezone=True), None),
    ("opened_at", sa.DateTime(timezone=True), None),
    ("verified_at", sa.DateTime(timezone=True), None),
    ("reminders_opted_out_at", sa.DateTime(timezone=True), None),
)


def upgrade() -> None:
    """Add the invitation's contact and check columns, patient_sessions.verified_at, and the invitation_tokens table."""
    for name, kind, default in _INVITATION_COLUMNS:
        nullable = default is None
        server_default = sa.text(default) if default is not None else None
        op.add_column("invitations", sa.Column(name, kind, nullable=nullable, server_default=server_default))
    op.add_column("patient_sessions", sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "invitation_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_invitation_tokens"),
        sa.UniqueConstraint("token_sha256", name="uq_invitation_tokens_token_sha256"),
        sa.ForeignKeyConstraint(
            ["invitation_id"], ["invitations.id"], name="fk_invitation_tokens_invitation_id_invitations", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name="fk_invitation_tokens_outbox_message_id_outbox_messages",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_invitation_tokens_invitation_id", "invitation_tokens", ["invitation_id"])


def downgrade() -> None:
    """Drop the table and the columns (contact details, check state and message links are lost).

    Plain DROP COLUMNs, also on SQLite (3.35+): a batch copy of a table would break the worklist triggers.
    """
    op.drop_index("ix_invitation_tokens_invitation_id", table_name="invitation_tokens")
    op.drop_table("invitation_tokens")
    op.drop_column("patient_sessions", "verified_at")
    for name, _kind, _default in reversed(_INVITATION_COLUMNS):
        op.drop_column("invitations", name)
