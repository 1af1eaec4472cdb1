"""`triage fhir`: the FHIR Questionnaire of a questionnaire version, and the Bundle of one intake, printed as JSON."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from triage.cli.context import config, database
from triage.db import audit
from triage.db.clinic_profile import load_clinic_profile
from triage.db.clock import times_shown_in, utcnow
from triage.db.fhir import intake_data
from triage.domain.questionnaire.questions import bundled_versions, default_questionnaire, questionnaire_for
from triage.domain.report.fhir_bundle import intake_bundle
from triage.domain.report.fhir_questionnaire import questionnaire_resource
from triage.pdf.letter_document import letter_with_stored_pdf
from triage.pdf.summary import PdfSettings


def _print(resource: dict[str, Any]) -> None:
    click.echo(json.dumps(resource, indent=2, ensure_ascii=False))


@click.group("fhir")
def fhir_group() -> None:
    """FHIR R4 resources (the same ones the /fhir API serves)."""


@fhir_group.command("questionnaire")
@click.option("--version", "version", default=None, help="A questionnaire version (default: the current one).")
def questionnaire(version: str | None) -> None:
    """Print the FHIR Questionnaire of a questionnaire version (no database needed)."""
    try:
        chosen = questionnaire_for(version) if version else default_questionnaire()
    except KeyError:
        known = ", ".join(bundled_versions())
        raise click.BadParameter(
            f"no questionnaire version '{version}'; this installation has {known}", param_hint="--version"
        ) from None
    _print(questionnaire_resource(chosen))


@fhir_group.command("bundle")
@click.argument("intake_id", type=click.IntRange(min=1))
@with_appcontext
def bundle(intake_id: int) -> None:
    """Print the FHIR Bundle of a submitted intake (audited as "cli": it holds the patient's answers).

    A signed letter is in it as a DocumentReference, with its PDF once the worker has stored one (as the API serves it).
    """
    db = database()
    base = f"{str(config()['PUBLIC_BASE_URL']).rstrip('/')}/fhir"
    with db.session() as session:
        data = intake_data(session, intake_id)
        if data is None:
            raise click.ClickException(f"intake {intake_id} does not exist or has not been submitted, so it has no Bundle")
        profile = load_clinic_profile(session, current_app.extensions["triage_settings"])
        with times_shown_in(profile.time_zone):  # as the PDF job renders it, so the stored PDF's key matches
            letter = letter_with_stored_pdf(session, intake_id, PdfSettings.from_config(config()).with_clinic(profile))
        resource = intake_bundle(data, base, utcnow(), letter)
        audit.record(session, actor="cli", role="cli", action="fhir.bundle", intake_id=intake_id, detail="printed")
    _print(resource)
