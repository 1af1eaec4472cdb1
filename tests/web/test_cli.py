"""The `triage` command line: database, invitations, intake list, data dictionary and demo."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select, text

import triage
from triage.cli.main import cli
from triage.db.intakes import token_digest
from triage.db.models import Intake, Invitation
from triage.domain.engine.evaluate import load_ruleset
from triage.domain.questionnaire.questions import default_questionnaire


def run(app: Flask, *args: str, **kwargs: Any) -> Result:
    """Invoke the CLI against this app."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False, **kwargs)


def test_invite_prints_the_link_last_and_stores_only_its_hash(app: Flask) -> None:
    result = run(app, "invite", "--ref", "R-77", "--expires-days", "7")
    assert result.exit_code == 0
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("http://localhost/i/")
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits in URL-safe base64
    db = app.extensions["triage_db"]
    with db.session() as session:
        invitation = session.scalar(select(Invitation))
        assert invitation is not None and invitation.token_sha256 == token_digest(token)
        assert invitation.intake.ref == "R-77"
        days = (invitation.expires_at - invitation.created_at).days
        assert days == 7
        for table in ("invitations", "intakes"):
            dump = json.dumps([list(map(str, row)) for row in session.execute(text(f"SELECT * FROM {table}"))])
            assert token not in dump


@pytest.mark.parametrize("ref", ["", "x" * 65, "bad\x01ref"])
def test_invite_refuses_a_bad_reference(app: Flask, ref: str) -> None:
    result = CliRunner().invoke(cli, ["invite", "--ref", ref], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code != 0
    assert "reference" in result.output
    assert "Traceback" not in result.output


def test_intakes_json_lists_every_intake(app: Flask) -> None:
    run(app, "invite", "--ref", "A-1")
    run(app, "invite", "--ref", "A-2")
    rows = json.loads(run(app, "intakes", "--json").output)
    assert [r["ref"] for r in rows] == ["A-2", "A-1"]
    assert set(rows[0]) == {"id", "ref", "status", "created", "updated", "submitted"}
    assert rows[0]["status"] == "invited" and rows[0]["submitted"] is None


def test_questions_json_is_the_data_dictionary(app: Flask) -> None:
    dictionary = json.loads(run(app, "questions", "--json").output)
    assert dictionary == json.loads(json.dumps(default_questionnaire().data_dictionary()))
    ppi = next(q for q in dictionary["questions"] if q["id"] == "ppi_last_dose_days")
    assert ppi["unit"] == "days ago" and ppi["step"] == "medicines"


def test_questions_text_output_is_one_line_per_question(app: Flask) -> None:
    output = run(app, "questions").output.strip().splitlines()
    assert len(output) == len(default_questionnaire().questions)


def test_db_upgrade_is_idempotent(app: Flask) -> None:
    assert run(app, "db", "upgrade").exit_code == 0
    assert "head" in run(app, "db", "upgrade").output


def test_demo_seeds_submitted_intakes_and_an_open_link(app: Flask) -> None:
    result = run(app, "demo")
    assert result.exit_code == 0
    assert "/i/" in result.output.strip().splitlines()[-1]
    run(app, "demo")  # a second run adds only a new link
    with app.extensions["triage_db"].session() as session:
        statuses = {i.ref: i.status for i in session.scalars(select(Intake))}
    assert statuses["DEMO-001"] == "submitted" and statuses["DEMO-006"] == "in_progress"
    assert statuses["DEMO-NEW-1"] == "invited" and statuses["DEMO-NEW-2"] == "invited"
    assert sum(1 for ref in statuses if ref.startswith("DEMO-00")) == 6


def test_demo_creates_staff_who_can_sign_in_without_two_factor(app: Flask) -> None:
    from triage.db import users
    from triage.db.demo import DEMO_PASSWORD

    output = run(app, "demo").output
    assert "clinician@demo.test" in output and DEMO_PASSWORD in output
    with app.extensions["triage_db"].session() as session:
        clinician = users.user_by_email(session, "clinician@demo.test")
        assert clinician is not None and users.verify_password(clinician, DEMO_PASSWORD)
        assert users.totp_required(session) is False


def test_demo_is_refused_in_production(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_ENV", "production")
    app = make_app(TESTING=False, SECRET_KEY="production-demo-check-key-0123456789-abcdefghij")
    result = CliRunner().invoke(cli, ["demo"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code != 0 and "refused in production" in result.output


def test_version_names_the_tool_the_questionnaire_and_the_default_ruleset() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"triage {triage.__version__}",
        f"questionnaire {default_questionnaire().version}",
        f"default ruleset {load_ruleset().version}",
    ]


def test_every_command_group_is_registered(app: Flask) -> None:
    commands = {line.split()[0] for line in run(app, "--help").output.split("Commands:")[1].strip().splitlines()}
    assert {"db", "invite", "intakes", "questions", "demo", "report", "users", "rules"} <= commands
    rules_help = run(app, "rules", "--help").output
    assert all(name in rules_help for name in ("check", "test", "evaluate", "import", "export", "versions"))
    assert run(app, "questions", "check").output.startswith("OK: ")
