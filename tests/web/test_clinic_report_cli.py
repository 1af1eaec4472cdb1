"""`triage report INTAKE_ID --out FILE.pdf`: the clinicians' PDF from the command line, audited as "cli"."""

from __future__ import annotations

import datetime as dt
import io
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from tests.helpers.apps import csrf_token
from triage.cli.main import cli
from triage.db import intakes as queries
from triage.db.demo import demo_patients
from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
from triage.db.models import AuditEvent
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire


def run(app: Flask, *args: str) -> Result:
    """Invoke the CLI against this app."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def seed(app: Flask, submit: bool = True) -> int:
    """DEMO-005 as an intake, submitted unless told otherwise."""
    questionnaire = default_questionnaire()
    answers = validate_answers(
        questionnaire, next(p["answers"] for p in demo_patients() if p["ref"] == "DEMO-005"), dt.date.today()
    )
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(
            session, ref="DEMO-005", questionnaire_version=questionnaire.version, expires_days=30
        )
        queries.save_step(session, intake, answers, {})
        if submit:
            queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, dt.date.today(), bundled_ruleset()))
        return intake.id


def audit(app: Flask) -> list[tuple[str, str, int | None, str]]:
    """Every audit row as (action, actor, intake id, detail)."""
    with app.extensions["triage_db"].session() as session:
        return [(a.action, a.actor, a.intake_id, a.detail) for a in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_report_writes_the_same_pdf_as_the_download(app: Flask, tmp_path: Path, staff_login: Callable[..., Any]) -> None:
    intake_id = seed(app)
    out = tmp_path / "summary.pdf"
    result = run(app, "report", str(intake_id), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output and "rendered" in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "Difficulty swallowing" in text and "Decision support, not a diagnosis" in text
    assert audit(app)[-1][:3] == ("intake.report", "cli", intake_id) and audit(app)[-1][3] == "rendered"
    client = app.test_client()
    staff_login(client)
    url = f"/clinic/intakes/{intake_id}"
    download = client.post(f"{url}/pdf", data={"csrf_token": csrf_token(client.get(url).data)})
    assert download.data == out.read_bytes()


def test_report_refuses_unknown_and_unsubmitted_intakes_without_a_traceback(app: Flask, tmp_path: Path) -> None:
    draft = seed(app, submit=False)
    for intake_id in (str(draft), "424242"):
        result = run(app, "report", intake_id, "--out", str(tmp_path / "x.pdf"))
        assert result.exit_code != 0 and "has no summary" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.pdf").exists()
    bad = run(app, "report", "0", "--out", str(tmp_path / "x.pdf"))
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert not [row for row in audit(app) if row[0] == "intake.report"]
