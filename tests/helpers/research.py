"""A database with the demo intakes and one intake full of identifying text, for the research export's tests."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from triage.cli.main import cli
from triage.db import intakes as queries
from triage.db.demo import demo_patients, seed_demo
from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
from triage.db.models import Intake
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire

FREE_TEXT = {
    "main_concern": "Pain since the trip to Lisbon with Aunt Winifred Okonkwo",
    "allergies": "yes",
    "allergies_details": "Penicillin rash, call 07700 900123 or winnie@example.org",
    "current_medicines": [["Omeprazole", "20 mg", "once a day"]],
}


def run(app: Flask, *args: str) -> Result:
    """Run a `triage` command against this app."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def seed(app: Flask) -> list[dict[str, object]]:
    """The demo intakes and one more with free text, a table and contact details in its answers; their answers."""
    today = dt.date.today()
    questionnaire = default_questionnaire()
    extra = {"full_name": "Winifred Testperson", "date_of_birth": "1950-02-03", "sex_at_birth": "female", **FREE_TEXT}
    with app.extensions["triage_db"].session() as session:
        seed_demo(session, today)
        _token, intake = queries.create_invitation(
            session, ref="NHS-943-476-5919", questionnaire_version=questionnaire.version, expires_days=30
        )
        intake.nhs_number, intake.mrn = "9434765919", "MRN-4411"
        queries.save_step(session, intake, validate_answers(questionnaire, extra, today), {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, today, bundled_ruleset()))
    return [p["answers"] for p in demo_patients()] + [extra]


def identifying_strings(answers: list[dict[str, object]], app: Flask) -> set[str]:
    """Every name, date of birth, reference and text the patients typed (table cells included)."""
    found: set[str] = set()
    with app.extensions["triage_db"].session() as session:
        for ref, nhs_number, mrn in session.execute(select(Intake.ref, Intake.nhs_number, Intake.mrn)):
            found.update(v for v in (ref, nhs_number, mrn) if v)
    by_id = default_questionnaire().by_id
    for given in answers:
        for question_id, value in given.items():
            question = by_id.get(question_id)
            if question_id in ("full_name", "date_of_birth") or (question and question.type in ("text", "longtext")):
                found.add(str(value))
            if question and question.type == "table" and isinstance(value, list):
                found.update(str(cell) for row in value for cell in row if cell)
    found.update({"07700 900123", "winnie@example.org", "Winifred", "Okonkwo", "9434765919", "MRN-4411"})
    return found
