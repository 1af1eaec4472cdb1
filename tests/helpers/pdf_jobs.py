"""Background PDF helpers for tests: a submitted intake, run the due jobs as `triage worker` would, download, failing jobs."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from triage.db import intakes as queries
from triage.db.demo import demo_patients
from triage.db.evaluations import bundled_ruleset, evaluate_for_storage
from triage.db.models import BackgroundJob, PdfCache
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire
from triage.jobs.letter_pdf import letter_key
from triage.jobs.queue import JobContext, JobQueue
from triage.jobs.runner import DbJobRunner, JobsReport


def context_of(app: Flask) -> JobContext:
    """The job context of a test app: its database and settings."""
    return JobContext(app.extensions["triage_db"], app.extensions["triage_settings"])


def run_jobs(app: Flask) -> JobsReport:
    """Run every background job due now, in this process (one round of `triage worker` without Redis)."""
    return DbJobRunner(context_of(app)).run_due()


def download(client: FlaskClient, intake_url: str, token: str) -> TestResponse:
    """POST the download; when the PDF is still being prepared, run the worker's jobs once and POST again."""
    reply = client.post(f"{intake_url}/pdf", data={"csrf_token": token})
    if reply.status_code == 303 and "/pdf/preparing" in reply.headers.get("Location", ""):
        run_jobs(client.application)
        reply = client.post(f"{intake_url}/pdf", data={"csrf_token": token})
    return reply


def job_rows(app: Flask) -> list[tuple[str, str, str, int, str]]:
    """Every background job row as (kind, key, status, attempts, last error), oldest first."""
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(select(BackgroundJob).order_by(BackgroundJob.id))
        return [(r.kind, r.job_key, r.status, r.attempts, r.last_error) for r in rows]


def stored_pdfs(app: Flask, intake_id: int) -> int:
    """How many PDFs are stored for the intake."""
    with app.extensions["triage_db"].session() as session:
        return int(session.scalar(select(func.count()).select_from(PdfCache).where(PdfCache.intake_id == intake_id)) or 0)


TODAY = dt.date.today()


def seed_submitted(app: Flask, ref: str) -> int:
    """A submitted, evaluated intake with a demo patient's answers; its id."""
    answers = next(p["answers"] for p in demo_patients() if p["ref"] == "DEMO-004")
    questionnaire = default_questionnaire()
    with app.extensions["triage_db"].session() as session:
        _token, intake = queries.create_invitation(session, ref=ref, questionnaire_version=questionnaire.version, expires_days=30)
        queries.save_step(session, intake, validate_answers(questionnaire, answers, TODAY), {})
        queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, TODAY, bundled_ruleset()))
        return intake.id


def failing(app: Flask) -> JobContext:
    """The app's job context with a PDF time limit no letter's render meets (it times out, as a stuck render would)."""
    settings = app.extensions["triage_settings"].model_copy(update={"PDF_TIMEOUT_SECONDS": 0.05})
    return JobContext(app.extensions["triage_db"], settings)


def poison(queue: JobQueue, intake_id: int) -> None:
    """Queue a letter job whose payload no handler can read (as from a broken or newer app): it fails on every try."""
    assert queue.enqueue("letter_pdf", letter_key(intake_id), {"intake_id": "not-a-number"})
