"""`triage retention run [--dry-run]`: delete what is past its retention period, in batches, and report the counts."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from triage.cli.context import database
from triage.config import Settings
from triage.db import retention_run
from triage.db.clock import minute_text, utcnow
from triage.db.retention import BATCH, RetentionReport
from triage.domain.retention import RetentionPeriods


def _settings() -> Settings:
    found: Settings = current_app.extensions["triage_settings"]
    return found


def _echo(periods: RetentionPeriods, report: RetentionReport, verb: str) -> None:
    click.echo(f"periods: {periods.text()}")
    click.echo(f"{verb}: intakes {report.intakes}, letters {report.letters}, messages {report.messages}")
    for name, count in sorted(report.rows.items()):
        if count:
            click.echo(f"  {name}: {count} rows")


@click.group("retention")
def retention_group() -> None:
    """Delete the records past their retention period (set on the admin's clinic details page)."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="Only report what would be deleted; change nothing.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 900),
    default=BATCH,
    show_default=True,
    help="Intakes (and messages) deleted per transaction.",
)
@with_appcontext
def run(dry_run: bool, batch_size: int) -> None:
    """Delete every intake, letter and sent message past its period, with an audit row per intake and one for the run."""
    now = utcnow()
    if dry_run:
        periods, found = retention_run.dry_run(database(), _settings(), now)
        _echo(periods, found.report, "would delete")
        for kind, oldest in found.oldest.items():
            if oldest is not None:
                click.echo(f"oldest {kind}: {minute_text(oldest)}")
        click.echo("dry run: nothing was deleted")
        return
    periods, report = retention_run.run(database(), _settings(), now, batch=batch_size)
    _echo(periods, report, "deleted")
