"""`triage report INTAKE_ID --out FILE.pdf`: the same PDF summary as the clinician download, audited as "cli"."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from triage.cli.context import database
from triage.config import Settings
from triage.db import audit
from triage.db.clinic_profile import load_clinic_profile
from triage.db.clock import times_shown_in
from triage.db.session import Database
from triage.pdf import stored
from triage.pdf import summary as pdf


def write_report(app_settings: Settings, db: Database, intake_id: int, out: Path) -> pdf.PdfOutcome:
    """Render (or take from the cache) one intake's PDF, with the clinic's letterhead, write it to `out` and audit it."""
    with db.session() as session:
        profile = load_clinic_profile(session, app_settings)
    settings = pdf.PdfSettings.from_config(app_settings.flask_config()).with_clinic(profile)
    try:
        # The same stored PDF as the clinicians' download (times in the clinic's zone, as on the staff pages).
        with times_shown_in(profile.time_zone):
            outcome = stored.letter_pdf_now(db, intake_id, settings)
    except (pdf.RenderTimeout, pdf.RenderFailed) as error:
        with db.session() as session:
            audit.record(
                session,
                actor="cli",
                role="cli",
                action="intake.report",
                intake_id=intake_id,
                outcome="failed",
                detail=type(error).__name__,
            )
        raise click.ClickException(f"the PDF could not be rendered: {error}") from None
    if outcome is None:
        raise click.ClickException(f"intake {intake_id} does not exist or has not been submitted, so it has no summary")
    # The file holds health data: create it readable by its owner only.
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(outcome.pdf)
    with db.session() as session:
        audit.record(
            session,
            actor="cli",
            role="cli",
            action="intake.report",
            intake_id=intake_id,
            ruleset_version=outcome.ruleset_version,
            detail="cached" if outcome.cached else "rendered",
        )
    return outcome


@click.command("report")
@click.argument("intake_id", type=click.IntRange(min=1))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the PDF.",
)
@with_appcontext
def report(intake_id: int, out: Path) -> None:
    """Write the PDF summary of a submitted intake (the same file clinicians download)."""
    try:
        outcome = write_report(current_app.extensions["triage_settings"], database(), intake_id, out)
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror}") from None
    click.echo(
        f"wrote {out} ({len(outcome.pdf)} bytes, {'from the cache' if outcome.cached else 'rendered'}) for intake {intake_id}"
    )
