"""deploy/postgres-roles.sql: the app's production role works the app but can only add to and read the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, exc, text
from sqlalchemy.engine import make_url

from tests.helpers.apps import build_app
from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from tests.helpers.patient import new_invitation, open_link, post_page
from triage.cli.main import cli
from triage.db import migrate

pytestmark = pytest.mark.postgres

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "postgres-roles.sql"
APP_ROLE = "triage_app"
REFUSED = [
    "UPDATE audit_events SET detail = 'edited'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
    "DROP TRIGGER audit_events_no_change ON audit_events",
    "SET session_replication_role = replica",
    "CREATE TABLE audit_copy (id int)",
    "UPDATE alembic_version SET version_num = '0001'",
]


def run_script(owner_url: str) -> None:
    """Run the roles script as the tables' owner, as the README says (psql -f would do the same)."""
    url = make_url(owner_url)
    conninfo = f"host={url.host} port={url.port or 5432} user={url.username} dbname={url.database}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(SCRIPT.read_text(encoding="utf-8").encode())


@pytest.fixture
def owner_url() -> Iterator[str]:
    """A database migrated by its owner, with the roles script run (twice: it must be safe to rerun after upgrades)."""
    require_pg()
    url = create_pg_database("triage_roles")
    migrate.upgrade(url)
    run_script(url)
    run_script(url)
    yield url
    drop_pg_database(url)


def test_the_app_role_runs_the_app_and_cannot_change_the_audit_log(owner_url: str, tmp_path: Path) -> None:
    app_url = make_url(owner_url).set(username=APP_ROLE, password=None).render_as_string(hide_password=False)
    app = build_app(app_url, tmp_path)
    try:
        token, _intake_id = new_invitation(app)
        client = app.test_client()
        assert open_link(client, token).status_code == 303
        assert post_page(client, "/intake/about_you").status_code == 303
        result = CliRunner().invoke(cli, ["audit", "verify"], obj=ScriptInfo(create_app=lambda: app))
        assert result.exit_code == 0 and "OK:" in result.output, result.output
    finally:
        app.extensions["triage_db"].dispose()
    engine = create_engine(app_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT current_user")) == APP_ROLE
            assert (conn.scalar(text("SELECT count(*) FROM audit_events")) or 0) >= 1
        for statement in REFUSED:
            with pytest.raises(exc.DBAPIError) as refused, engine.begin() as conn:
                conn.execute(text(statement))
            message = str(refused.value.orig)
            assert "permission denied" in message or "must be owner" in message, (statement, message)
        with engine.begin() as conn:  # it can still add to the log (the app's own INSERT went through above too)
            conn.execute(
                text(
                    "INSERT INTO audit_events (at, actor, role, action, outcome, detail, prev_sha256, row_sha256) "
                    "VALUES (now(), 'x', 'x', 'x', 'ok', '', '', '')"
                )
            )
    finally:
        engine.dispose()
