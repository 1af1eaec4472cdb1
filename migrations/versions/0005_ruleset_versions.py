"""ruleset versions (published, immutable) and drafts; evaluations pinned to the version that made them; answers by question

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# A published version never changes: refuse UPDATE and DELETE of a published row in the database itself.
FROZEN_PG = [
    """CREATE FUNCTION ruleset_versions_frozen() RETURNS trigger AS $$
    BEGIN
      IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'ruleset version % is published and cannot change', OLD.number;
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER ruleset_versions_immutable BEFORE UPDATE OR DELETE ON ruleset_versions "
    "FOR EACH ROW EXECUTE FUNCTION ruleset_versions_frozen()",
]
FROZEN_SQLITE = [
    "CREATE TRIGGER ruleset_versions_no_update BEFORE UPDATE ON ruleset_versions WHEN OLD.status = 'published' "
    "BEGIN SELECT RAISE(ABORT, 'published ruleset versions cannot change'); END",
    "CREATE TRIGGER ruleset_versions_no_delete BEFORE DELETE ON ruleset_versions WHEN OLD.status = 'published' "
    "BEGIN SELECT RAISE(ABORT, 'published ruleset versions cannot change'); END",
]

EVALUATION_ORDER = (
    "id",
    "intake_id",
    "ruleset_version",
    "ruleset_sha256",
    "fired_rules",
    "top_differential",
    "top_urgency",
    "reason",
    "created_at",
    "ruleset_version_id",
    "result",
)

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "ruleset_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("draft_slot", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("tests", sa.JSON(), nullable=False),
        sa.Column("test_report", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("based_on_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("editors", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=254), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_sha256", sa.String(length=64), nullable=True),
        sa.Column("published_by", sa.String(length=254), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["based_on_id"], ["ruleset_versions.id"], name=op.f("fk_ruleset_versions_based_on_id_ruleset_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ruleset_versions")),
        sa.UniqueConstraint("draft_slot", name=op.f("uq_ruleset_versions_draft_slot")),
        sa.UniqueConstraint("number", name=op.f("uq_ruleset_versions_number")),
    )
    with op.batch_alter_table("ruleset_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ruleset_versions_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_ruleset_versions_status"), ["status"], unique=False)

    # SQLite keeps a row's columns in order and must walk a long value's overflow pages to reach the
    # columns after it: with the stored result last, reading which rules fired (the impact view) never
    # touches the result. PostgreSQL stores long values out of line, so only SQLite's table is rebuilt.
    sqlite = op.get_bind().dialect.name == "sqlite"
    layout = {"recreate": "always", "partial_reordering": [EVALUATION_ORDER]} if sqlite else {}
    with op.batch_alter_table("evaluations", schema=None, **layout) as batch_op:
        batch_op.add_column(sa.Column("ruleset_version_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_evaluations_ruleset_version_id"), ["ruleset_version_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_evaluations_ruleset_version_id_ruleset_versions"), "ruleset_versions", ["ruleset_version_id"], ["id"]
        )

    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index("ix_answers_question_intake", ["question_id", "intake_id"], unique=False)

    for statement in FROZEN_PG if op.get_bind().dialect.name == "postgresql" else FROZEN_SQLITE:
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ruleset_versions_immutable ON ruleset_versions")
        op.execute("DROP FUNCTION IF EXISTS ruleset_versions_frozen()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ruleset_versions_no_update")
        op.execute("DROP TRIGGER IF EXISTS ruleset_versions_no_delete")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_question_intake")

    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_evaluations_ruleset_version_id_ruleset_versions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_evaluations_ruleset_version_id"))
        batch_op.drop_column("ruleset_version_id")

    with op.batch_alter_table("ruleset_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ruleset_versions_status"))
        batch_op.drop_index(batch_op.f("ix_ruleset_versions_sha256"))

    op.drop_table("ruleset_versions")
