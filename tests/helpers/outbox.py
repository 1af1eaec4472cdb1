"""Outbox helpers for tests: a worker on a test app, enqueueing an alert email, reading a row back, a worker process's env."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from tests.helpers.apps import TEST_SECRET
from tests.helpers.smtp import SmtpServer
from triage.config import Settings
from triage.db import outbox
from triage.db.models import OutboxMessage
from triage.jobs.mail import transports_from_settings
from triage.jobs.worker import OutboxWorker

RECIPIENT = "clinic.alerts@example.org"
BODY = "An intake needs urgent attention.\nSign in to see it: http://localhost/clinic/attention\n"


def worker_for(app: Flask, **kwargs: Any) -> OutboxWorker:
    """A worker on the app's database with the transports its settings configure."""
    settings: Settings = app.extensions["triage_settings"]
    return OutboxWorker(app.extensions["triage_db"], settings, transports=transports_from_settings(settings), **kwargs)


def enqueue(app: Flask, key: str, **fields: Any) -> int | None:
    """Enqueue one alert email in its own transaction; its id, or None when the dedupe key was taken."""
    values: dict[str, Any] = {
        "kind": "alert",
        "recipient": RECIPIENT,
        "subject": "An intake needs urgent attention",
        "body": BODY,
    }
    values.update(fields)
    with app.extensions["triage_db"].session() as session:
        message = outbox.enqueue(session, dedupe_key=key, **values)
        return message.id if message else None


def row(app: Flask, message_id: int) -> OutboxMessage:
    """The message row as stored now."""
    with app.extensions["triage_db"].session() as session:
        found = session.get(OutboxMessage, message_id)
        assert found is not None
        return found


def worker_env(db_url: str, tmp_path: Path, smtp_server: SmtpServer) -> dict[str, str]:
    """The environment of a `triage worker` process on this database, mailing the test's SMTP server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "DATABASE_URL", "TRIAGE_"))}
    env.update({k: str(v) for k, v in smtp_server.settings().items()})
    env.update(
        DATABASE_URL=db_url,
        TRIAGE_ENV="test",
        SECRET_KEY=TEST_SECRET,
        TRIAGE_INSTANCE=str(tmp_path / "worker-instance"),
        PDF_PREWARM="0",
        PYTHONUNBUFFERED="1",
    )
    return env
