"""The `triage worker` loop as a process: it sends what arrives, stops within 2 s of a signal, outlives a database outage.

The process tests run on SQLite and on PostgreSQL, with mail going to a real SMTP server (aiosmtpd) the test starts.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from tests.helpers.outbox import enqueue, worker_env
from tests.helpers.smtp import SmtpServer
from triage.config import Settings
from triage.db.session import Database
from triage.jobs.worker import OutboxWorker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    """An app whose mail goes to the test's SMTP server."""
    return make_app(**smtp_server.settings())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_worker_loop_sends_and_stops_within_2_seconds_of_a_signal(
    mail_app: Flask, smtp_server: SmtpServer, db_url: str, tmp_path: Path, signum: signal.Signals
) -> None:
    enqueue(mail_app, "alert:10:urgent")
    process = subprocess.Popen(
        [sys.executable, "-m", "triage.cli.main", "worker", "--poll-seconds", "0.5"],
        cwd=ROOT,
        env=worker_env(db_url, tmp_path, smtp_server),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(target=lambda: lines.extend((time.monotonic(), line) for line in process.stdout or ()))
    reader.start()
    try:
        deadline = time.monotonic() + 60  # the app's start takes seconds on a busy machine
        while len(smtp_server.messages()) < 1 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert len(smtp_server.messages()) == 1
        enqueue(mail_app, "alert:11:urgent")  # the loop picks up what arrives later
        while len(smtp_server.messages()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        signalled = time.monotonic()
        process.send_signal(signum)
        code = process.wait(timeout=15)
        exited_in = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(timeout=5)
    output = "".join(line for _at, line in lines)
    assert code == 0, output
    stopped = [at for at, line in lines if line.startswith("worker stopped")]
    # The loop ends (every message settled, nothing leased) within 2 s; the interpreter's own exit follows, and on a
    # machine this busy it can take a second or two more (about 0.5 s of CPU to tear down the app's modules).
    assert stopped and stopped[0] - signalled < 2.0, output
    assert exited_in < 10.0
    assert "worker started" in output
    assert len(smtp_server.messages()) == 2


def test_the_loop_outlives_a_database_that_cannot_be_reached(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(TRIAGE_ENV="test")
    unreachable = Database(f"sqlite:///{tmp_path / 'no-such-folder' / 'triage.db'}")
    worker = OutboxWorker(unreachable, settings, transports={})
    loop = threading.Thread(target=worker.run_forever, args=(0.05,))
    with caplog.at_level(logging.ERROR, logger="triage.jobs.worker"):
        loop.start()
        deadline = time.monotonic() + 20
        while sum("round failed: OperationalError" in r.getMessage() for r in caplog.records) < 2:
            assert time.monotonic() < deadline and loop.is_alive()
            time.sleep(0.02)
        worker.stop()
        loop.join(timeout=2)
    assert not loop.is_alive()
    unreachable.dispose()
