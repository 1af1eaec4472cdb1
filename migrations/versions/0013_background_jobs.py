"""background jobs: the embedded job queue (without Redis), polled by `triage worker`

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create background_jobs with the index a worker's claim walks (status, due time)."""
    op.create_table(
        "background_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("job_key", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
    )
    op.create_index("ix_background_jobs_status_due", "background_jobs", ["status", "due_at", "id"])
    op.create_index("ix_background_jobs_job_key", "background_jobs", ["job_key", "id"])


def downgrade() -> None:
    """Drop background_jobs (queued jobs are lost; a download enqueues its PDF again)."""
    op.drop_index("ix_background_jobs_job_key", table_name="background_jobs")
    op.drop_index("ix_background_jobs_status_due", table_name="background_jobs")
    op.drop_table("background_jobs")
