"""The outbox's messages as RQ jobs (REDIS_URL): handed over by each worker round, sent once by whichever worker runs them.

Real services only: Redis at 127.0.0.1:6379 (a queue of each test's own; without Redis these tests fail on CI), a
real SMTP server (aiosmtpd) and a local GOV.UK Notify. Every test runs on SQLite and PostgreSQL. The clock of the
handing round is the `now` passed to it, and the jobs' clock is the job context's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
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

from tests.helpers.notify import NotifyServer
from tests.helpers.outbox import enqueue, row, worker_env, worker_for
from tests.helpers.patient_messages import LINK, invite, message, tomorrow_at
from tests.helpers.pdf_jobs import context_of
from tests.helpers.rq_queue import REDIS_URL, own_queue
from tests.helpers.smtp import SmtpServer
from triage.db import outbox_handover
from triage.db.clock import as_utc, utcnow
from triage.jobs.delivery import send_lease
from triage.jobs.outbox_jobs import KIND
from triage.jobs.queue import JobContext
from triage.jobs.rq_queue import RqJobQueue, serve

NOON = tomorrow_at(12)
# A stopped worker finishes RQ's job in hand, then waits up to 30 s for its outbox thread's round (triage/cli/worker.py):
# a test that waits less for it to exit fails on a busy machine though the worker stops as designed.
WORKER_EXIT_SECONDS = 60


@pytest.fixture
def queue() -> Iterator[RqJobQueue]:
    """An RQ queue named for this test alone, purged afterwards."""
    with own_queue() as found:
        yield found


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    """An app whose mail goes to the test's SMTP server."""
    return make_app(**smtp_server.settings(), MAIL_FROM="gut-triage@clinic.example")


def at(app: Flask, moment: dt.datetime) -> JobContext:
    """The app's job context with its clock stopped at `moment`."""
    return dataclasses.replace(context_of(app), clock=lambda: moment)


def test_an_alert_email_is_handed_to_rq_once_and_sent_once(mail_app: Flask, smtp_server: SmtpServer, queue: RqJobQueue) -> None:
    message_id = enqueue(mail_app, "alert:1:emergency")
    assert message_id is not None
    worker = worker_for(mail_app, hand_to=queue)
    now = utcnow()
    report = worker.run_round(now=now)
    assert (report.handed, report.sent) == (1, 0) and queue.queue.count == 1 and "handed to RQ 1" in report.summary()
    assert smtp_server.messages() == []  # nothing is sent by the round itself
    assert worker.run_round(now=now + dt.timedelta(seconds=5)).handed == 0  # handed over: the next rounds skip it
    assert serve(at(mail_app, now + dt.timedelta(seconds=1)), queue, burst=True)
    [received] = smtp_server.messages()
    assert received.email["Message-ID"].startswith(f"<outbox-{message_id}.") and "urgent attention" in received.body()
    stored = row(mail_app, message_id)
    assert (stored.status, stored.attempts, stored.locked_until) == ("sent", 1, None)
    assert worker.run_round(now=now + dt.timedelta(hours=1)).handed == 0 and queue.queue.count == 0
    assert queue.failed(10) == []


def test_a_message_handed_over_twice_or_its_job_run_twice_is_sent_once(
    mail_app: Flask, smtp_server: SmtpServer, queue: RqJobQueue
) -> None:
    message_id = enqueue(mail_app, "alert:2:urgent")
    worker = worker_for(mail_app, hand_to=queue)
    now = utcnow()
    assert worker.run_round(now=now).handed == 1
    # Its job waits longer than the lease (every worker busy): the message is handed over again, to a second job.
    later = now + send_lease(mail_app.extensions["triage_settings"]) + dt.timedelta(seconds=1)
    assert worker.run_round(now=later).handed == 1
    [first, second] = queue.queue.jobs
    queue.push(KIND, first.args[1])  # and the first job's payload once more, as if RQ had run it twice
    assert queue.queue.count == 3
    assert serve(at(mail_app, later + dt.timedelta(seconds=1)), queue, burst=True)
    assert len(smtp_server.messages()) == 1 and row(mail_app, message_id).attempts == 1
    assert queue.failed(10) == [] and second.args[1]["message_id"] == message_id


def test_with_the_server_down_the_message_is_retried_with_backoff_then_sent_once(
    mail_app: Flask, smtp_server: SmtpServer, queue: RqJobQueue
) -> None:
    message_id = enqueue(mail_app, "alert:3:urgent")
    smtp_server.stop()
    start = utcnow()
    worker = worker_for(mail_app, hand_to=queue)
    assert worker.run_round(now=start).handed == 1
    serve(at(mail_app, start), queue, burst=True)
    waiting = row(mail_app, message_id)
    assert (waiting.status, waiting.attempts, waiting.locked_until) == ("queued", 1, None)
    assert "mail server unreachable" in waiting.last_error
    # The outbox's backoff, as without Redis: the first retry waits between half and all of 30 seconds.
    assert start + dt.timedelta(seconds=15) <= as_utc(waiting.due_at) <= start + dt.timedelta(seconds=30)
    assert worker.run_round(now=start + dt.timedelta(seconds=5)).handed == 0  # not due yet: not handed over again
    assert queue.failed(10) == []  # a refused send is the outbox's retry, not a failed job

    smtp_server.start()
    assert worker.run_round(now=start + dt.timedelta(seconds=31)).handed == 1
    serve(at(mail_app, start + dt.timedelta(seconds=31)), queue, burst=True)
    assert len(smtp_server.messages()) == 1
    assert (row(mail_app, message_id).status, row(mail_app, message_id).attempts) == ("sent", 2)


def test_a_message_refused_for_good_is_failed_and_listed_for_admins(
    mail_app: Flask, smtp_server: SmtpServer, queue: RqJobQueue, staff_login: Callable[..., Any]
) -> None:
    smtp_server.refuse_recipients_with = "550 5.1.1 <clinic.alerts@example.org>: no such user"
    message_id = enqueue(mail_app, "alert:4:urgent")
    now = utcnow()
    assert worker_for(mail_app, hand_to=queue).run_round(now=now).handed == 1
    serve(at(mail_app, now), queue, burst=True)
    assert (row(mail_app, message_id).status, row(mail_app, message_id).attempts) == ("failed", 1)
    client = mail_app.test_client()
    staff_login(client, roles=("admin",))
    html = client.get("/admin/deliveries").get_data(as_text=True)
    assert "0 queued, 0 sent, 1 failed" in html
    assert "failed: recipient refused: 550 5.1.1 &lt;cl***@example.org&gt;: no such user" in html


def test_a_message_whose_sender_died_mid_send_is_handed_over_again_after_its_lease(
    mail_app: Flask, smtp_server: SmtpServer, queue: RqJobQueue
) -> None:
    message_id = enqueue(mail_app, "alert:5:urgent")
    assert message_id is not None
    worker = worker_for(mail_app, hand_to=queue)
    now = utcnow()
    assert worker.run_round(now=now).handed == 1
    [job] = queue.queue.jobs
    handed = dt.datetime.fromisoformat(job.args[1]["handed"])
    lease = send_lease(mail_app.extensions["triage_settings"])
    # A job takes the message over and its worker is killed before it settles anything.
    with mail_app.extensions["triage_db"].session() as session:
        assert outbox_handover.claim_handed(session, message_id, handed, now, lease) is not None
    queue.queue.empty()
    assert worker.run_round(now=now + lease - dt.timedelta(seconds=1)).handed == 0  # still held by the dead sender
    assert worker.run_round(now=now + lease + dt.timedelta(seconds=1)).handed == 1
    serve(at(mail_app, now + lease + dt.timedelta(seconds=2)), queue, burst=True)
    assert len(smtp_server.messages()) == 1 and row(mail_app, message_id).status == "sent"


def test_invitation_and_reminder_emails_and_texts_go_as_rq_jobs(
    make_app: Callable[..., Flask], smtp_server: SmtpServer, queue: RqJobQueue
) -> None:
    notify = NotifyServer().start()
    try:
        app = make_app(**smtp_server.settings(), **notify.settings(), CLINIC_TIME_ZONE="Europe/London")
        invite(app, email="margaret@example.org", mobile="+447700900123")
        _, reminders = invite(app, email="john@example.org", kind="reminder", ref="MSG-2")
        worker = worker_for(app, hand_to=queue)
        assert worker.run_round(now=NOON).handed == 3
        serve(at(app, NOON), queue, burst=True)
        emails, texts = smtp_server.messages(), notify.received()
    finally:
        notify.stop()
    assert sorted(r.rcpt_tos for r in emails) == [("john@example.org",), ("margaret@example.org",)]
    assert len(texts) == 1 and LINK.findall(texts[0].body["personalisation"]["body"])
    reminder = next(r for r in emails if r.rcpt_tos == ("john@example.org",))
    assert reminder.email["List-Unsubscribe"] is not None and message(app, reminders[0]).status == "sent"
    assert queue.failed(10) == []


def _rq_worker(env: dict[str, str], queue: RqJobQueue) -> subprocess.Popen[bytes]:
    """`triage worker` on Redis on this test's queue, in a process group of its own (RQ forks its scheduler)."""
    command = [sys.executable, "-m", "triage.cli.main", "worker", "--poll-seconds", "0.2"]
    return subprocess.Popen(
        command,
        env=env | {"REDIS_URL": REDIS_URL, "REDIS_QUEUE": queue.name},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.mark.slow
def test_two_worker_processes_on_redis_share_the_outbox_and_send_each_message_once(
    mail_app: Flask, smtp_server: SmtpServer, queue: RqJobQueue, db_url: str, tmp_path: Path
) -> None:
    ids = [enqueue(mail_app, f"alert:{n}:urgent") for n in range(30)]
    workers = [_rq_worker(worker_env(db_url, tmp_path / name, smtp_server), queue) for name in ("one", "two")]
    try:
        deadline = time.monotonic() + 120
        while len(smtp_server.messages()) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # a duplicate would arrive now
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            try:
                process.wait(WORKER_EXIT_SECONDS)
            finally:
                with contextlib.suppress(ProcessLookupError):  # its RQ scheduler too, which would write keys after purge
                    os.killpg(process.pid, signal.SIGKILL)
    sent = sorted(int(r.email["Message-ID"].split(".")[0].removeprefix("<outbox-")) for r in smtp_server.messages())
    assert sent == sorted(i for i in ids if i is not None)
    assert {row(mail_app, i).status for i in ids if i is not None} == {"sent"}
    assert queue.failed(10) == []
