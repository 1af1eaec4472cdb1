"""`triage db upgrade | downgrade`: create or change the database schema (Alembic migrations)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from triage.cli.context import config
from triage.db import migrate


@click.group("db")
def db_group() -> None:
    """Create or change the database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Upgrade the database to REVISION (default: the newest)."""
    migrate.upgrade(config()["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade(revision: str) -> None:
    """Downgrade the database to REVISION ('base' removes every table)."""
    migrate.downgrade(config()["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")
