"""red-flag alerts, patient interrupt pages, triage decisions, the message outbox and server-side patient sessions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _intake_fk(table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["intake_id"], ["intakes.id"], name=op.f(f"fk_{table}_intake_id_intakes"), ondelete=ondelete)


def _create_alerts() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("rule_ids", sa.JSON(), nullable=False),
        sa.Column("raised_at", TZ, nullable=False),
        sa.Column("raised_while", sa.String(length=16), nullable=False),
        sa.Column("acknowledged_at", TZ, nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("escalated_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["users.id"], name=op.f("fk_alerts_acknowledged_by_users")),
        _intake_fk("alerts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("intake_id", "urgency", name="uq_alerts_intake_urgency"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_intake_id"), ["intake_id"], unique=False)
        batch_op.create_index("ix_alerts_open", ["acknowledged_at", "urgency", "raised_at"], unique=False)


def _create_interrupts_and_decisions() -> None:
    op.create_table(
        "patient_interrupts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("rule_ids", sa.JSON(), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("shown_at", TZ, nullable=False),
        _intake_fk("patient_interrupts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_interrupts")),
    )
    with op.batch_alter_table("patient_interrupts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_interrupts_intake_id"), ["intake_id"], unique=False)
    op.create_table(
        "triage_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=32), nullable=False),
        sa.Column("assigned_to", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("decided_at", TZ, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["assigned_to"], ["users.id"], name=op.f("fk_triage_decisions_assigned_to_users")),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_triage_decisions_decided_by_users")),
        _intake_fk("triage_decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_decisions")),
    )
    with op.batch_alter_table("triage_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_decisions_intake_id"), ["intake_id"], unique=False)


def _create_outbox() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        _intake_fk("outbox_messages", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_messages_dedupe_key")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_messages_intake_id"), ["intake_id"], unique=False)
        batch_op.create_index("ix_outbox_messages_due", ["status", "due_at"], unique=False)


def _create_patient_sessions() -> None:
    op.create_table(
        "patient_sessions",
        sa.Column("id_sha256", sa.String(length=64), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        _intake_fk("patient_sessions"),
        sa.ForeignKeyConstraint(
            ["invitation_id"], ["invitations.id"], name=op.f("fk_patient_sessions_invitation_id_invitations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id_sha256", name=op.f("pk_patient_sessions")),
    )
    with op.batch_alter_table("patient_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_sessions_intake_id"), ["intake_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patient_sessions_invitation_id"), ["invitation_id"], unique=False)


def upgrade() -> None:
    """Add the alert, interrupt, decision, outbox and patient-session tables, and the intake's standing decision."""
    _create_alerts()
    _create_interrupts_and_decisions()
    _create_outbox()
    _create_patient_sessions()
    with op.batch_alter_table("intakes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("assigned_to", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_intakes_decision"), ["decision"], unique=False)
        batch_op.create_index(batch_op.f("ix_intakes_assigned_to"), ["assigned_to"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_intakes_assigned_to_users"), "users", ["assigned_to"], ["id"])


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("intakes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_intakes_assigned_to_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_intakes_assigned_to"))
        batch_op.drop_index(batch_op.f("ix_intakes_decision"))
        batch_op.drop_column("assigned_to")
        batch_op.drop_column("decision")
    for table in ("patient_sessions", "outbox_messages", "triage_decisions", "patient_interrupts", "alerts"):
        op.drop_table(table)
