"""impact runs: what a draft changes for past patients, counted by a background job, with its progress and result

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create impact_runs (one count of a draft against the published version over the data as it stood) and its changes."""
    op.create_table(
        "impact_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_key", sa.String(64), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("draft_sha256", sa.String(64), nullable=False),
        sa.Column("draft_version", sa.String(64), nullable=False),
        sa.Column("published_sha256", sa.String(64), nullable=False),
        sa.Column("published_version", sa.String(64), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=True),
        sa.Column("watermark", sa.String(200), nullable=False),
        sa.Column("max_intake_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("evaluated", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("changed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cursor", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(32), nullable=False, server_default=""),
        sa.Column("heartbeat_at", TZ, nullable=True),
        sa.Column("requested_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("seconds", sa.Float(), nullable=False, server_default="0"),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("finished_at", TZ, nullable=True),
    )
    op.create_index("ix_impact_runs_run_key", "impact_runs", ["run_key", "id"])
    op.create_index("ix_impact_runs_created_at", "impact_runs", ["created_at"])
    op.create_table(
        "impact_run_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("impact_runs.id", ondelete="CASCADE", name="fk_impact_run_changes_run_id_impact_runs"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "intake_id",
            sa.Integer(),
            sa.ForeignKey("intakes.id", ondelete="CASCADE", name="fk_impact_run_changes_intake_id_intakes"),
            nullable=False,
        ),
        sa.Column("changes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_impact_run_changes_run_position", "impact_run_changes", ["run_id", "position"])
    op.create_index("ix_impact_run_changes_intake_id", "impact_run_changes", ["intake_id"])


def downgrade() -> None:
    """Drop both tables (a count is asked for again from the impact page)."""
    op.drop_index("ix_impact_run_changes_intake_id", table_name="impact_run_changes")
    op.drop_index("ix_impact_run_changes_run_position", table_name="impact_run_changes")
    op.drop_table("impact_run_changes")
    op.drop_index("ix_impact_runs_created_at", table_name="impact_runs")
    op.drop_index("ix_impact_runs_run_key", table_name="impact_runs")
    op.drop_table("impact_runs")
