"""staff account lifecycle: name, title and registration; forced password change; last sign-in; password-reset tokens

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _user_columns() -> tuple[sa.Column[Any], ...]:
    """The new account columns, built afresh for each run (a Column belongs to one table once attached)."""
    # Existing accounts get the server defaults: no name (the email is shown), no forced change, no sign-in recorded yet.
    return (
        sa.Column("display_name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("professional_title", sa.String(length=120), server_default="", nullable=False),
        sa.Column("registration_type", sa.String(length=8), server_default="", nullable=False),
        sa.Column("registration_number", sa.String(length=32), server_default="", nullable=False),
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("last_login_at", TZ, nullable=True),
        sa.Column("failed_since_login", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_failed_login_at", TZ, nullable=True),
    )


def upgrade() -> None:
    """Add the account columns and the password_resets table."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        for column in _user_columns():
            batch_op.add_column(column)
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_password_resets_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_password_resets_token_sha256")),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_resets_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    """Drop what upgrade added (the accounts themselves stay)."""
    op.drop_table("password_resets")
    with op.batch_alter_table("users", schema=None) as batch_op:
        for column in reversed(_user_columns()):
            batch_op.drop_column(column.name)
