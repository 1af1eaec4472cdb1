"""Clinician workspace safeguards: integrity check, PDF time limit, roles, and refusals that change nothing."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from tests.helpers.apps import csrf_token
from tests.helpers.pdf_jobs import context_of, download, job_rows, run_jobs
from triage.db import intakes as queries
from triage.db.clock import utcnow
from triage.db.demo import demo_patients
from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
from triage.db.models import AuditEvent, DifferentialFeedback, Evaluation, Intake
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire
from triage.jobs.queue import JobContext
from triage.jobs.runner import DbJobRunner
from triage.pdf import summary as pdf
from triage.pdf.pool import close_pools


def _sleep_forever(_html: str) -> tuple[bytes, int]:
    """Stands in for the renderer in the worker: never finishes in time."""
    time.sleep(60)
    return b"", 0


def seed(app: Flask, ref: str = "DEMO-004", submit: bool = True) -> int:
    """An intake from the demo answers, submitted and evaluated unless told otherwise."""
    questionnaire = default_questionnaire()
    answers = validate_answers(questionnaire, next(p["answers"] for p in demo_patients() if p["ref"] == ref), dt.date.today())
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(session, ref=ref, questionnaire_version=questionnaire.version, expires_days=30)
        queries.save_step(session, intake, answers, {})
        if submit:
            queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, dt.date.today(), bundled_ruleset()))
        return intake.id


def actions(app: Flask) -> list[tuple[str, int | None, str]]:
    """Every audit row as (action, intake id, outcome)."""
    with app.extensions["triage_db"].session() as session:
        return [(a.action, a.intake_id, a.outcome) for a in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def post(client: Any, intake_id: int, action: str, data: dict[str, str] | None = None) -> Any:
    """Post to an intake's action with a fresh CSRF token."""
    url = f"/clinic/intakes/{intake_id}"
    return client.post(f"{url}/{action}", data={"csrf_token": csrf_token(client.get(url).data), **(data or {})})


def test_tampered_answers_show_a_warning_and_write_an_audit_row(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    intake_id = seed(app)
    clean = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert "Integrity warning" not in clean
    db = app.extensions["triage_db"]
    with db.engine.begin() as conn:
        cast = "CAST(:v AS JSON)" if db.engine.dialect.name == "postgresql" else ":v"
        conn.execute(
            text(f"UPDATE answers SET value = {cast} WHERE intake_id = :i AND question_id = 'main_concern'"),
            {"v": '"I never wrote this"', "i": intake_id},
        )
    page = client.get(f"/clinic/intakes/{intake_id}").get_data(as_text=True)
    assert "Integrity warning" in page and 'role="alert"' in page
    assert ("intake.integrity_mismatch", intake_id, "alert") in actions(app)
    reply = download(client, f"/clinic/intakes/{intake_id}", csrf_token(page))
    assert reply.status_code == 200 and reply.data.startswith(b"%PDF")
    refused = post(client, intake_id, "reevaluate")
    assert refused.status_code == 303 and "integrity check" in client.get(refused.location).get_data(as_text=True)
    assert ("intake.reevaluate", intake_id, "refused") in actions(app)
    with app.extensions["triage_db"].session() as session:
        assert session.scalar(select(func.count()).select_from(Evaluation).where(Evaluation.intake_id == intake_id)) == 1


def test_a_pdf_past_its_time_limit_never_holds_the_request_and_is_retried(
    make_app: Callable[..., Flask], staff_login: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(PDF_TIMEOUT_SECONDS=0.5)
    client = app.test_client()
    staff_login(client)
    intake_id = seed(app)
    monkeypatch.setattr(pdf, "_render_job", _sleep_forever)
    started = time.monotonic()
    reply = post(client, intake_id, "pdf")  # the request only queues the render: it never waits for it
    assert time.monotonic() - started < 5 and reply.status_code == 303
    page = client.get(reply.location)
    assert page.status_code == 200 and "being prepared" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store" and "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert run_jobs(app).retried == 1  # the worker's render passed its time limit: tried again later
    assert job_rows(app)[0][3:] == (1, "RenderTimeout") and "being prepared" in client.get(reply.location).get_data(as_text=True)
    monkeypatch.undo()
    close_pools()  # the PDF worker that replaced the killed one was forked with the stand-in: start afresh
    later = utcnow() + dt.timedelta(seconds=10)
    patient = context_of(app)  # a time limit a real render meets
    patient = JobContext(patient.db, patient.settings.model_copy(update={"PDF_TIMEOUT_SECONDS": 30}))
    assert DbJobRunner(patient).run_due(now=later).done == 1  # the killed PDF worker was replaced
    assert post(client, intake_id, "pdf").status_code == 200


def test_other_roles_and_anonymous_visitors_are_refused(app: Flask, staff_login: Callable[..., Any]) -> None:
    intake_id = seed(app)
    anonymous = app.test_client()
    for url in ("/clinic/", f"/clinic/intakes/{intake_id}"):
        reply = anonymous.get(url)
        assert reply.status_code == 302 and "/staff/login" in reply.location
    editor = app.test_client()
    staff_login(editor, roles=("rules_editor", "admin"))
    assert editor.get("/clinic/").status_code == 403
    assert editor.get(f"/clinic/intakes/{intake_id}").status_code == 403
    assert not [a for a in actions(app) if a[0] in ("intake.view", "intake.list")]


def test_refusals_change_nothing(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    submitted = seed(app)
    in_progress = seed(app, "DEMO-001", submit=False)
    assert client.get("/clinic/intakes/999999").status_code == 404
    page = client.get(f"/clinic/intakes/{in_progress}").get_data(as_text=True)
    assert "has not submitted" in page and "Download PDF" not in page
    assert post(client, in_progress, "pdf").status_code == 404
    assert post(client, in_progress, "reevaluate").status_code == 404
    post(client, in_progress, "review")
    unknown = post(client, submitted, "feedback", {"evaluation_id": "1", "differential_id": "no_such_thing", "verdict": "agree"})
    assert unknown.status_code == 404
    missing_verdict = post(client, submitted, "feedback", {"evaluation_id": "1", "differential_id": "ibs"})
    assert missing_verdict.status_code == 400 and "Your view: choose Agree" in missing_verdict.get_data(as_text=True)
    too_long = post(client, submitted, "notes", {"text": "x" * 4001})
    assert (
        too_long.status_code == 400
        and "at most 4000 characters" in too_long.get_data(as_text=True)
        and "x" * 4001 in too_long.get_data(as_text=True)
    )
    nul = post(client, submitted, "notes", {"text": "a\x00b"})
    assert nul.status_code == 400 and "control characters" in nul.get_data(as_text=True)
    with app.extensions["triage_db"].session() as session:
        assert session.scalar(select(Intake.status).where(Intake.id == in_progress)) == "in_progress"
        assert session.scalars(select(DifferentialFeedback)).all() == []
    assert [a for a in actions(app) if a[0] == "intake.review"] == [("intake.review", in_progress, "refused")]
    assert not [a for a in actions(app) if a[0] in ("intake.note", "intake.feedback")]


def test_downloading_the_pdf_of_tampered_answers_writes_its_own_audit_alert(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    intake_id = seed(app)
    db = app.extensions["triage_db"]
    with db.engine.begin() as conn:
        cast = "CAST(:v AS JSON)" if db.engine.dialect.name == "postgresql" else ":v"
        conn.execute(
            text(f"UPDATE answers SET value = {cast} WHERE intake_id = :i AND question_id = 'main_concern'"),
            {"v": '"changed behind the clinic"', "i": intake_id},
        )
    reply = download(client, f"/clinic/intakes/{intake_id}", csrf_token(client.get(f"/clinic/intakes/{intake_id}").data))
    assert reply.status_code == 200 and reply.data.startswith(b"%PDF")
    # The intake page was opened once (to read the CSRF token): one mismatch from the view, one from the download.
    assert [a for a in actions(app) if a[0] == "intake.integrity_mismatch"] == [
        ("intake.integrity_mismatch", intake_id, "alert")
    ] * 2
