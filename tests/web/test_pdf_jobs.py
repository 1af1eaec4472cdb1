"""Letter PDFs off the request path on both databases: "being prepared" then the file, retries, a killed worker."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.helpers.apps import TEST_SECRET, csrf_token
from tests.helpers.pdf_jobs import context_of, failing, job_rows, poison, run_jobs, seed_submitted, stored_pdfs
from triage.db.clock import as_utc, utcnow
from triage.db.models import AuditEvent, BackgroundJob
from triage.jobs.letter_pdf import enqueue_letter_pdf, letter_key
from triage.jobs.queue import MAX_ATTEMPTS, DbJobQueue
from triage.jobs.runner import DbJobRunner


def pdf_audit(app: Flask, intake_id: int) -> list[str]:
    """The details of the intake's intake.pdf audit rows, oldest first."""
    with app.extensions["triage_db"].session() as session:
        rows = session.scalars(
            select(AuditEvent.detail)
            .where(AuditEvent.action == "intake.pdf", AuditEvent.intake_id == intake_id)
            .order_by(AuditEvent.id)
        )
        return list(rows)


def test_a_download_shows_being_prepared_then_serves_the_stored_file(app: Flask, staff_login: Callable[..., Any]) -> None:
    client = app.test_client()
    staff_login(client)
    intake_id = seed_submitted(app, "PDF-1")
    url = f"/clinic/intakes/{intake_id}"
    token = csrf_token(client.get(url).data)

    first = client.post(f"{url}/pdf", data={"csrf_token": token})
    assert first.status_code == 303 and first.headers["Location"].endswith(f"{url}/pdf/preparing")
    assert stored_pdfs(app, intake_id) == 0  # the request rendered nothing
    for _ in range(3):  # refreshing the page queues nothing more
        reply = client.get(f"{url}/pdf/preparing")
        page = reply.get_data(as_text=True)
        assert reply.headers["Refresh"] == "2" and "being prepared" in page and "Check now" in page and "<script" not in page
    assert job_rows(app) == [("letter_pdf", letter_key(intake_id), "queued", 0, "")]
    assert pdf_audit(app, intake_id) == []  # nothing of the patient's was shown yet

    assert run_jobs(app).done == 1
    ready_reply = client.get(f"{url}/pdf/preparing")
    ready = ready_reply.get_data(as_text=True)
    assert "is ready" in ready and "Refresh" not in ready_reply.headers and f'action="{url}/pdf"' in ready
    download = client.post(f"{url}/pdf", data={"csrf_token": csrf_token(ready)})
    assert download.status_code == 200 and download.mimetype == "application/pdf" and download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"] == f'attachment; filename="intake-{intake_id}.pdf"'
    assert pdf_audit(app, intake_id) == ["stored"] and job_rows(app) == []
    assert client.post(f"{url}/pdf", data={"csrf_token": token}).data == download.data  # the same file again

    # A decision changes the letter: the hook queues a job, and the old file is no longer served.
    decided = client.post(f"{url}/decision", data={"csrf_token": token, "decision": "routine", "assignee": "", "note": ""})
    assert decided.status_code == 303
    assert [row[:3] for row in job_rows(app)] == [("letter_pdf", letter_key(intake_id), "queued")]
    assert client.post(f"{url}/pdf", data={"csrf_token": token}).status_code == 303
    assert len(job_rows(app)) == 1  # the download found the hook's job waiting and added none
    assert run_jobs(app).done == 1
    after = client.post(f"{url}/pdf", data={"csrf_token": token})
    assert after.status_code == 200 and after.data != download.data
    assert stored_pdfs(app, intake_id) == 1 and pdf_audit(app, intake_id) == ["stored", "stored", "stored"]


def test_the_pdf_pages_are_for_clinicians_only(app: Flask, staff_login: Callable[..., Any]) -> None:
    intake_id = seed_submitted(app, "PDF-2")
    admin = app.test_client()
    staff_login(admin, roles=("admin",))
    assert admin.get(f"/clinic/intakes/{intake_id}/pdf/preparing").status_code == 403
    anonymous = app.test_client().get(f"/clinic/intakes/{intake_id}/pdf/preparing")
    assert anonymous.status_code in (302, 303) and job_rows(app) == []


def test_a_failing_job_is_retried_with_backoff_then_shown_to_admins(app: Flask, staff_login: Callable[..., Any]) -> None:
    intake_id = seed_submitted(app, "PDF-3")
    queue = DbJobQueue(app.extensions["triage_db"])
    assert enqueue_letter_pdf(queue, intake_id) and not enqueue_letter_pdf(queue, intake_id)
    start = utcnow()
    report = DbJobRunner(failing(app)).run_due(now=start)
    assert (report.done, report.retried, report.failed) == (0, 1, 0)
    with app.extensions["triage_db"].session() as session:
        row = session.scalars(select(BackgroundJob)).one()
        assert (row.status, row.attempts, row.last_error, row.locked_until) == ("queued", 1, "RenderTimeout", None)
        wait = (as_utc(row.due_at) - start).total_seconds()
    assert 2.5 <= wait <= 5.0  # the first retry: between half and all of 5 s
    assert DbJobRunner(context_of(app)).run_due(now=start + dt.timedelta(seconds=2)).done == 0  # not due yet
    assert DbJobRunner(context_of(app)).run_due(now=start + dt.timedelta(seconds=6)).done == 1
    assert stored_pdfs(app, intake_id) == 1 and job_rows(app) == []

    # Failing every time: the waits grow, and after MAX_ATTEMPTS tries the job is marked failed.
    other = seed_submitted(app, "PDF-4")
    poison(queue, other)
    moment, waits = utcnow(), []
    for _ in range(MAX_ATTEMPTS):
        DbJobRunner(context_of(app)).run_due(now=moment)
        with app.extensions["triage_db"].session() as session:
            row = session.scalars(select(BackgroundJob)).one()
            waits.append((as_utc(row.due_at) - moment).total_seconds())
            moment = as_utc(row.due_at) + dt.timedelta(seconds=1)
    assert job_rows(app) == [("letter_pdf", letter_key(other), "failed", MAX_ATTEMPTS, "ValueError")]
    assert all(later > earlier / 2 for earlier, later in zip(waits[:-2], waits[1:-1], strict=True)) and waits[2] > waits[0]

    clinician = app.test_client()
    staff_login(clinician)
    failed = clinician.get(f"/clinic/intakes/{other}/pdf/preparing")
    page = failed.get_data(as_text=True)
    assert "could not be prepared" in page and "Refresh" not in failed.headers and len(job_rows(app)) == 1
    admin = app.test_client()
    staff_login(admin, roles=("admin",))
    deliveries = admin.get("/admin/deliveries").get_data(as_text=True)
    failed = deliveries[deliveries.index("Failed background jobs") :]
    assert "letter_pdf" in failed and "ValueError" in failed and f"<td>{MAX_ATTEMPTS}</td>" in failed
    assert "PDF-4" not in failed  # an id, a kind and an error class: nothing about the patient

    # A clinician's "Try again" queues a new job, which now succeeds.
    retry = clinician.post(f"/clinic/intakes/{other}/pdf", data={"csrf_token": csrf_token(page)})
    assert retry.status_code == 303 and run_jobs(app).done == 1 and stored_pdfs(app, other) == 1


def _worker(db_url: str, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "DATABASE_URL", "TRIAGE_", "REDIS_"))}
    env.update(
        DATABASE_URL=db_url,
        TRIAGE_ENV="test",
        SECRET_KEY=TEST_SECRET,
        TRIAGE_INSTANCE=str(tmp_path / name),
        PDF_PREWARM="0",
        PDF_TIMEOUT_SECONDS="3",  # a lease of 8 s
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "triage.cli.main", "worker", "--poll-seconds", "0.2"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _job(app: Flask) -> BackgroundJob | None:
    with app.extensions["triage_db"].session() as session:
        return session.scalars(select(BackgroundJob)).first()


def test_a_job_whose_worker_is_killed_mid_way_runs_again_once(app: Flask, db_url: str, tmp_path: Path) -> None:
    intake_id = seed_submitted(app, "PDF-5")
    enqueue_letter_pdf(DbJobQueue(app.extensions["triage_db"]), intake_id)
    first = _worker(db_url, tmp_path, "first")
    try:
        deadline = time.monotonic() + 60
        while (job := _job(app)) is not None and job.locked_until is None and time.monotonic() < deadline:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)  # mid-render: the cold PDF worker takes a second or more
        first.wait(10)
    finally:
        first.kill()
    job = _job(app)
    assert job is not None and job.locked_until is not None, "the worker never took the job, or finished it first"
    assert (job.status, job.attempts) == ("queued", 0) and stored_pdfs(app, intake_id) == 0

    second = _worker(db_url, tmp_path, "second")
    try:
        deadline = time.monotonic() + 90
        while job_rows(app) and time.monotonic() < deadline:  # the lease runs out (8 s), then the second worker runs it
            time.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    assert job_rows(app) == [] and stored_pdfs(app, intake_id) == 1  # run again, to the end, and stored once
    assert run_jobs(app).done == 0  # nothing is left to run
