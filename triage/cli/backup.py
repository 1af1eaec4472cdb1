"""`triage backup --out FILE` and `triage restore FILE [--force]`: the whole database to one file and back, audited."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from triage.cli.context import config, database
from triage.db import audit
from triage.db import backup as store


def _audit(action: str, outcome: str, detail: str) -> str:
    """Record the command in the app's database; returns a note for the user when there is none to record it in."""
    db = database()
    try:
        with db.session() as session:
            audit.record(session, actor="cli", role="cli", action=action, outcome=outcome, detail=detail)
    except SQLAlchemyError:
        return " (not audited: the database has no audit log to write to)"
    finally:
        db.dispose()
    return ""


@click.command("backup")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new file to write (never overwritten; created readable by its owner only).",
)
@with_appcontext
def backup(out: Path) -> None:
    """Back up the whole database into a new file: SQLite's online backup, or pg_dump's custom format."""
    try:
        outcome = store.backup(config()["DATABASE_URL"], out)
    except store.BackupError as error:
        note = _audit("backup.create", "failed", type(error).__name__)
        raise click.ClickException(f"no backup written: {error}{note}") from None
    note = _audit("backup.create", "ok", f"{outcome.kind} backup {out.name}, {outcome.size} bytes")
    size = f"{outcome.size} bytes, readable by its owner only"
    click.echo(f"wrote a {outcome.kind} backup of {outcome.tables} tables to {out} ({size}){note}")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database that already holds data.")
@with_appcontext
def restore(source: Path, force: bool) -> None:
    """Restore a backup made by `triage backup` into the (empty) database; refuses one holding data unless --force."""
    # The app's own pooled connections must not hold the database while its contents are replaced.
    database().dispose()
    try:
        outcome = store.restore(config()["DATABASE_URL"], source, force=force)
    except store.NotEmptyError as error:
        note = _audit("backup.restore", "refused", f"not empty, from {source.name}")
        raise click.ClickException(f"nothing restored: {error}{note}") from None
    except store.BackupError as error:
        note = _audit("backup.restore", "failed", f"{type(error).__name__}, from {source.name}")
        raise click.ClickException(f"nothing restored: {error}{note}") from None
    note = _audit("backup.restore", "ok", f"{outcome.kind} backup {source.name}, replaced {outcome.replaced_rows} rows")
    replaced = f", replacing {outcome.replaced_rows} rows" if outcome.replaced_rows else " into an empty database"
    click.echo(f"restored {outcome.restored_rows} rows from {source}{replaced}; schema at revision {outcome.revision}{note}")
    if outcome.needs_upgrade:
        click.echo(f"this version's newest migration is {outcome.head}: run `triage db upgrade` before starting the app")
