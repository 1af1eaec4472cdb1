"""The job queue on RQ with the real Redis at 127.0.0.1:6379 (REDIS_URL), each test on a queue of its own, removed after."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rq.scheduler import RQScheduler

from tests.helpers.apps import TEST_SECRET, csrf_token
from tests.helpers.pdf_jobs import context_of, failing, poison, seed_submitted, stored_pdfs
from tests.helpers.rq_queue import REDIS_URL, own_queue
from triage.jobs.letter_pdf import enqueue_letter_pdf, letter_key
from triage.jobs.queue import MAX_ATTEMPTS
from triage.jobs.rq_queue import RqJobQueue, serve


@pytest.fixture
def queue() -> Iterator[RqJobQueue]:
    """An RQ queue named for this test alone (retries after 1 s), purged afterwards."""
    with own_queue() as found:
        yield found


def test_an_rq_job_renders_and_stores_the_letter_once(app: Flask, queue: RqJobQueue) -> None:
    intake_id = seed_submitted(app, "RQ-1")
    assert enqueue_letter_pdf(queue, intake_id)
    assert not enqueue_letter_pdf(queue, intake_id)  # one waiting job per letter
    assert queue.state(letter_key(intake_id)) == "queued" and queue.queue.count == 1
    assert serve(context_of(app), queue, burst=True)
    assert queue.state(letter_key(intake_id)) is None and stored_pdfs(app, intake_id) == 1
    assert queue.failed(10) == []


def test_a_failing_rq_job_is_retried_after_its_interval_then_listed_as_failed(app: Flask, queue: RqJobQueue) -> None:
    intake_id = seed_submitted(app, "RQ-2")
    key = letter_key(intake_id)
    enqueue_letter_pdf(queue, intake_id)
    serve(failing(app), queue, burst=True)
    assert queue.state(key) == "queued" and len(queue.queue.scheduled_job_registry) == 1  # waiting for its retry
    assert stored_pdfs(app, intake_id) == 0
    time.sleep(1.2)
    serve(context_of(app), queue, burst=True)  # RQ's scheduler puts it back on the queue, and it succeeds
    assert stored_pdfs(app, intake_id) == 1 and queue.state(key) is None

    other = seed_submitted(app, "RQ-3")
    poison(queue, other)
    for _ in range(MAX_ATTEMPTS):
        serve(context_of(app), queue, burst=True)
        time.sleep(1.2)
    assert queue.state(letter_key(other)) == "failed"
    [failed] = queue.failed(10)
    assert (failed.kind, failed.error, failed.attempts) == ("letter_pdf", "ValueError", MAX_ATTEMPTS)


def test_the_app_on_redis_prepares_the_pdf_and_lists_failures_for_admins(
    make_app: Callable[..., Flask], queue: RqJobQueue, staff_login: Callable[..., Any]
) -> None:
    app = make_app(REDIS_URL=REDIS_URL)
    app.extensions["triage_job_queue"] = queue  # the app's queue, on this test's own queue name
    client = app.test_client()
    staff_login(client)
    intake_id = seed_submitted(app, "RQ-4")
    url = f"/clinic/intakes/{intake_id}"
    token = csrf_token(client.get(url).data)
    assert client.post(f"{url}/pdf", data={"csrf_token": token}).status_code == 303
    assert "being prepared" in client.get(f"{url}/pdf/preparing").get_data(as_text=True) and queue.queue.count == 1
    serve(context_of(app), queue, burst=True)
    download = client.post(f"{url}/pdf", data={"csrf_token": token})
    assert download.status_code == 200 and download.data.startswith(b"%PDF")

    other = seed_submitted(app, "RQ-5")
    poison(queue, other)
    for _ in range(MAX_ATTEMPTS):
        serve(context_of(app), queue, burst=True)
        time.sleep(1.2)
    admin = app.test_client()
    staff_login(admin, roles=("admin",))
    page = admin.get("/admin/deliveries").get_data(as_text=True)
    failed = page[page.index("Failed background jobs") :]
    assert "letter_pdf" in failed and "ValueError" in failed and "RQ-5" not in failed


def _rq_worker(db_url: str, tmp_path: Path, queue: RqJobQueue, name: str) -> subprocess.Popen[bytes]:
    """`triage worker` on Redis, on this test's queue, in a process group of its own (RQ forks its scheduler)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "DATABASE_URL", "TRIAGE_", "REDIS_"))}
    env.update(
        DATABASE_URL=db_url,
        TRIAGE_ENV="test",
        SECRET_KEY=TEST_SECRET,
        TRIAGE_INSTANCE=str(tmp_path / name),
        PDF_PREWARM="0",
        REDIS_URL=REDIS_URL,
        REDIS_QUEUE=queue.name,
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "triage.cli.main", "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.01)
    return check()


def test_an_rq_job_whose_worker_is_killed_mid_way_runs_again_once(
    app: Flask, db_url: str, tmp_path: Path, queue: RqJobQueue
) -> None:
    intake_id = seed_submitted(app, "RQ-6")
    key = letter_key(intake_id)
    enqueue_letter_pdf(queue, intake_id)
    first = _rq_worker(db_url, tmp_path, queue, "first")
    try:
        started = _until(lambda: queue.state(key) == "running", 60)
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the worker, its RQ scheduler and its PDF processes, mid-render
        first.wait(10)
    assert started and queue.state(key) == "running" and stored_pdfs(app, intake_id) == 0
    # RQ's maintenance takes a job for abandoned once its worker's heartbeat is older than the job's time limit plus
    # 60 s, and a dead scheduler's lock runs out after 61 s; instead of waiting that long, the test runs that same
    # clean-up as at that moment and lets the lock go.
    queue.queue.started_job_registry.cleanup(timestamp=time.time() + queue.timeout_seconds + 120)
    queue.connection.delete(RQScheduler.get_locking_key(queue.name))
    assert queue.state(key) == "queued"  # put back for a retry (the job has retries left), not failed
    second = _rq_worker(db_url, tmp_path, queue, "second")
    try:
        assert _until(lambda: queue.state(key) is None and stored_pdfs(app, intake_id) == 1, 90)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(30)
        finally:
            with contextlib.suppress(ProcessLookupError):  # its RQ scheduler too, if it outlived it
                os.killpg(second.pid, signal.SIGKILL)
    assert stored_pdfs(app, intake_id) == 1 and queue.failed(10) == []
