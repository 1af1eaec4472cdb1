"""`triage fhir questionnaire` and `triage fhir bundle`: the same resources as the API, printed as JSON, the bundle audited."""

from __future__ import annotations

import base64
import json

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from tests.helpers.ehr import sign_letter, stored_pdf_bytes
from tests.helpers.fhir import validates
from tests.helpers.letters import CASES, stored_case
from tests.helpers.pdf_jobs import run_jobs
from tests.helpers.staff import create_staff, sign_in
from triage.cli.main import cli
from triage.db.demo import seed_demo
from triage.db.models import AuditEvent, Intake
from triage.domain.questionnaire.questions import bundled_versions, default_questionnaire


def run(app: Flask, *args: str) -> Result:
    """Run a `triage` command against this app."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_questionnaire_prints_the_current_or_a_named_version(app: Flask) -> None:
    current = run(app, "fhir", "questionnaire")
    assert current.exit_code == 0, current.output
    assert json.loads(current.output)["version"] == default_questionnaire().version
    older = run(app, "fhir", "questionnaire", "--version", bundled_versions()[0])
    validates(json.loads(older.output))
    assert json.loads(older.output)["version"] == bundled_versions()[0]
    unknown = run(app, "fhir", "questionnaire", "--version", "1999.1")
    assert unknown.exit_code == 2 and "no questionnaire version '1999.1'" in unknown.output


def test_bundle_prints_a_submitted_intake_and_audits_it(app: Flask) -> None:
    with app.extensions["triage_db"].session() as session:
        seed_demo(session)
        submitted = session.scalar(select(Intake.id).where(Intake.ref == "DEMO-001"))
        open_one = session.scalar(select(Intake.id).where(Intake.status == "in_progress"))
    result = run(app, "fhir", "bundle", str(submitted))
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.output)
    validates(bundle)
    assert bundle["entry"][0]["fullUrl"] == f"http://localhost/fhir/Patient/{submitted}"
    with app.extensions["triage_db"].session() as session:
        actions = list(session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "fhir.bundle")))
    assert actions == ["cli"]
    refused = run(app, "fhir", "bundle", str(open_one))
    assert refused.exit_code == 1 and "has not been submitted" in refused.output


def test_bundle_carries_the_signed_letter_with_its_stored_pdf(app: Flask) -> None:
    clinician = app.test_client()
    sign_in(clinician, create_staff(app, ("clinician",)))
    intake_id = stored_case(app, "DOC-CLI", CASES["ppi_b12_tingling_62"])
    sign_letter(clinician, intake_id)
    run_jobs(app)  # the worker renders and stores the letter's PDF
    result = run(app, "fhir", "bundle", str(intake_id))
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.output)
    validates(bundle)
    (document,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
    attachment = document["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == stored_pdf_bytes(app, intake_id)
