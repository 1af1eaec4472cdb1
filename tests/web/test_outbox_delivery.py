"""Outbox delivery to a real SMTP server (aiosmtpd): sending, retries while it is down, two workers, jobs, the CLI.

Every test runs on SQLite and on PostgreSQL. The clock is controlled by passing `now` to the worker. The loop as a
process (signals, outages) is in test_worker_loop.py.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.helpers.outbox import BODY, RECIPIENT, enqueue, row, worker_for
from tests.helpers.patient import new_invitation
from tests.helpers.smtp import SmtpServer
from triage.cli.main import cli
from triage.config import Settings
from triage.db import outbox
from triage.db.clock import as_utc, utcnow
from triage.db.models import Alert, OutboxMessage
from triage.jobs.worker import OutboxWorker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    """An app whose mail goes to the test's SMTP server."""
    return make_app(**smtp_server.settings(), MAIL_FROM="gut-triage@clinic.example")


def test_a_queued_message_is_delivered_and_read_back(mail_app: Flask, smtp_server: SmtpServer) -> None:
    message_id = enqueue(mail_app, "alert:1:emergency")
    assert message_id is not None
    report = worker_for(mail_app).run_round()
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [received] = smtp_server.messages()
    assert received.rcpt_tos == (RECIPIENT,)
    assert received.mail_from == "gut-triage@clinic.example"
    assert received.email["Subject"] == "An intake needs urgent attention"
    assert received.email["To"] == RECIPIENT
    assert received.email["From"] == "gut-triage@clinic.example"
    assert received.email["Auto-Submitted"] == "auto-generated"
    assert received.email["Message-ID"].startswith(f"<outbox-{message_id}.")
    assert received.body() == BODY
    stored = row(mail_app, message_id)
    assert (stored.status, stored.attempts, stored.locked_until) == ("sent", 1, None)
    assert stored.sent_at is not None
    assert worker_for(mail_app).run_round().sent == 0
    assert len(smtp_server.messages()) == 1


def test_with_the_server_down_the_message_waits_with_backoff_then_goes_once(mail_app: Flask, smtp_server: SmtpServer) -> None:
    message_id = enqueue(mail_app, "alert:2:urgent")
    assert message_id is not None
    smtp_server.stop()
    start = utcnow()
    worker = worker_for(mail_app)
    assert worker.deliver_due(now=start).retried == 1
    waiting = row(mail_app, message_id)
    assert (waiting.status, waiting.attempts, waiting.sent_at) == ("queued", 1, None)
    assert "mail server unreachable" in waiting.last_error
    # The first retry waits between half and all of 30 seconds (backoff with jitter).
    assert start + dt.timedelta(seconds=15) <= as_utc(waiting.due_at) <= start + dt.timedelta(seconds=30)
    assert worker.deliver_due(now=start + dt.timedelta(seconds=5)).retried == 0  # not due yet: no try at all
    assert row(mail_app, message_id).attempts == 1

    smtp_server.start()
    assert worker.deliver_due(now=start + dt.timedelta(seconds=31)).sent == 1
    assert worker.deliver_due(now=start + dt.timedelta(hours=2)).sent == 0
    assert len(smtp_server.messages()) == 1
    sent = row(mail_app, message_id)
    assert (sent.status, sent.attempts) == ("sent", 2)


def test_without_a_mail_server_setting_messages_stay_queued_with_the_reason(make_app: Callable[..., Flask]) -> None:
    app = make_app(SMTP_HOST="")
    message_id = enqueue(app, "alert:3:urgent")
    assert message_id is not None
    report = worker_for(app).run_round()
    assert (report.sent, report.retried, report.failed, report.waiting) == (0, 0, 0, 1)
    stored = row(app, message_id)
    assert (stored.status, stored.attempts, stored.last_error) == ("queued", 0, "no mail server configured")


def test_two_workers_draining_one_outbox_send_each_message_exactly_once(
    make_app: Callable[..., Flask], smtp_server: SmtpServer
) -> None:
    # Two apps on one database, like two worker processes; each drains in its own thread at the same time.
    first, second = (make_app(**smtp_server.settings()) for _ in range(2))
    ids = [enqueue(first, f"alert:{n}:urgent") for n in range(40)]
    workers = [worker_for(first), worker_for(second)]
    gate = threading.Barrier(len(workers))
    sent: list[int] = []
    errors: list[BaseException] = []

    def drain(worker: OutboxWorker) -> None:
        try:
            gate.wait()
            sent.append(worker.deliver_due().sent)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(sent) == 40
    received = smtp_server.messages()
    assert len(received) == 40
    assert {m.email["Message-ID"].split(".")[0] for m in received} == {f"<outbox-{i}" for i in ids}
    assert {row(first, i).status for i in ids if i is not None} == {"sent"}


def test_a_worker_killed_mid_send_loses_its_lease_and_the_message_goes_again(mail_app: Flask, smtp_server: SmtpServer) -> None:
    message_id = enqueue(mail_app, "alert:4:emergency")
    worker = worker_for(mail_app)
    start = utcnow()
    with mail_app.extensions["triage_db"].session() as session:
        # A worker claims the message and dies before it sends or settles it.
        dead = outbox.claim_next(session, start, worker.lease, ("email",))
    assert dead is not None and dead.id == message_id
    assert worker.deliver_due(now=start + dt.timedelta(seconds=1)).sent == 0  # the lease still holds
    assert worker.deliver_due(now=start + worker.lease + dt.timedelta(seconds=1)).sent == 1
    assert len(smtp_server.messages()) == 1
    with mail_app.extensions["triage_db"].session() as session:
        # The dead worker's lease is gone: had it come back, it could not settle the message.
        assert outbox.mark_sent(session, dead, start) is False


def test_a_server_that_keeps_failing_marks_the_message_failed_after_the_last_attempt(
    make_app: Callable[..., Flask], smtp_server: SmtpServer
) -> None:
    app = make_app(**smtp_server.settings(), OUTBOX_MAX_ATTEMPTS=3)
    message_id = enqueue(app, "alert:5:urgent")
    assert message_id is not None
    smtp_server.refuse_with = "451 4.3.0 Try again later"
    worker, moment = worker_for(app), utcnow()
    for attempt in (1, 2):
        assert worker.deliver_due(now=moment).retried == 1
        waiting = row(app, message_id)
        assert (waiting.status, waiting.attempts) == ("queued", attempt)
        moment = as_utc(waiting.due_at) + dt.timedelta(seconds=1)
    assert worker.deliver_due(now=moment).failed == 1
    failed = row(app, message_id)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert "451" in failed.last_error and "Try again later" in failed.last_error
    smtp_server.refuse_with = ""
    assert worker.deliver_due(now=moment + dt.timedelta(days=1)).sent == 0
    assert smtp_server.messages() == []


def test_a_recipient_refused_for_good_fails_at_once(mail_app: Flask, smtp_server: SmtpServer) -> None:
    message_id = enqueue(mail_app, "alert:6:urgent")
    assert message_id is not None
    smtp_server.refuse_recipients_with = "550 5.1.1 <clinic.alerts@example.org>: no such user"
    assert worker_for(mail_app).deliver_due().failed == 1
    failed = row(mail_app, message_id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error.startswith("recipient refused: 550")


def test_starttls_refused_by_the_server_is_retried_with_the_reason(
    make_app: Callable[..., Flask], smtp_server: SmtpServer
) -> None:
    app = make_app(**{**smtp_server.settings(), "SMTP_SECURITY": "starttls"})
    message_id = enqueue(app, "alert:12:urgent")
    assert message_id is not None and worker_for(app).deliver_due().retried == 1
    assert row(app, message_id).last_error.startswith("mail server error: SMTPNotSupportedError")


def test_periodic_jobs_run_each_round_in_their_own_transaction(mail_app: Flask, smtp_server: SmtpServer) -> None:
    calls: list[tuple[dt.datetime, str]] = []

    def alert_job(session: Session, now: dt.datetime, settings: Settings) -> int:
        calls.append((now, settings.MAIL_FROM))
        made = outbox.enqueue(
            session, kind="escalation", recipient=RECIPIENT, dedupe_key="escalation:9", subject="Escalated", due_at=now
        )
        return 1 if made else 0

    def broken_job(session: Session, now: dt.datetime, settings: Settings) -> int:
        outbox.enqueue(session, kind="escalation", recipient=RECIPIENT, dedupe_key="escalation:broken")
        raise RuntimeError("a bug in a job")

    worker = worker_for(mail_app, jobs=[broken_job, alert_job])
    moment = utcnow()
    first = worker.run_round(now=moment)
    assert first.jobs == {"broken_job": -1, "alert_job": 1}
    assert first.sent == 1  # the job's message goes out in the same round
    assert calls == [(moment, "gut-triage@clinic.example")]
    assert worker.run_round(now=moment + dt.timedelta(minutes=1)).jobs == {"broken_job": -1, "alert_job": 0}
    assert [m.email["Subject"] for m in smtp_server.messages()] == ["Escalated"]
    with mail_app.extensions["triage_db"].session() as session:
        keys = set(session.scalars(select(OutboxMessage.dedupe_key)))
    assert keys == {"escalation:9"}  # the broken job's enqueue was rolled back


def test_the_dedupe_key_prevents_a_second_message(mail_app: Flask, smtp_server: SmtpServer) -> None:
    assert enqueue(mail_app, "alert:7:emergency") is not None
    assert enqueue(mail_app, "alert:7:emergency", subject="again") is None
    worker_for(mail_app).run_round()
    assert enqueue(mail_app, "alert:7:emergency") is None  # not even once it was sent
    worker_for(mail_app).run_round()
    assert len(smtp_server.messages()) == 1


def test_a_round_can_stop_after_a_number_of_messages(mail_app: Flask, smtp_server: SmtpServer) -> None:
    for n in range(3):
        enqueue(mail_app, f"alert:{n}:limit")
    worker = worker_for(mail_app)
    assert worker.run_round(limit=2).sent == 2  # the loop's rounds end like this, so jobs run during a backlog
    assert worker.run_round(limit=2).sent == 1
    assert len(smtp_server.messages()) == 3


def test_triage_worker_once_through_the_cli_escalates_sends_and_exits_0(
    make_app: Callable[..., Flask], smtp_server: SmtpServer
) -> None:
    app = make_app(**smtp_server.settings(), ESCALATION_EMAIL="lead@example.org", ESCALATION_MINUTES=15)
    _token, intake_id = new_invitation(app, ref="W-1")
    with app.extensions["triage_db"].session() as session:
        # An emergency alert nobody acknowledged for 20 minutes: the worker's escalation job picks it up.
        session.add(
            Alert(intake_id=intake_id, urgency="emergency", rule_ids=["rf_x"], raised_at=utcnow() - dt.timedelta(minutes=20))
        )
    enqueue(app, "alert:8:urgent")
    result = CliRunner().invoke(cli, ["worker", "--once"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert "sent 2, retried 0, failed 0, waiting 0, escalate_due 1" in result.output
    escalation = [m for m in smtp_server.messages() if m.rcpt_tos == ("lead@example.org",)]
    assert [m.email["Subject"] for m in escalation] == ["Escalated: an intake needs urgent attention"]
    assert CliRunner().invoke(cli, ["worker", "--once"], obj=ScriptInfo(create_app=lambda: app)).exit_code == 0
    assert len(smtp_server.messages()) == 2  # escalated once, sent once
