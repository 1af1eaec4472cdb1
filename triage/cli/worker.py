"""`triage worker [--once]`: send the outbox's due messages, run the periodic jobs and the background jobs, once or in a loop."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import with_appcontext

from triage.cli.context import database
from triage.config import Settings
from triage.db.alert_queue import escalate_due
from triage.db.impact_runs import prune_impact_runs
from triage.db.retention_run import retention_daily
from triage.jobs.ehr_sweep import resend_due
from triage.jobs.mail import transports_from_settings
from triage.jobs.queue import JobContext
from triage.jobs.reminders import queue_reminders
from triage.jobs.rq_queue import RqJobQueue, serve
from triage.jobs.worker import Job, OutboxWorker, RoundReport
from triage.pdf.summary import PdfSettings, start_workers

# The periodic jobs every round runs, in order, before it sends what is due (so an escalation goes out at once).
JOBS: tuple[Job, ...] = (escalate_due, queue_reminders, retention_daily, resend_due, prune_impact_runs)


def _settings() -> Settings:
    found: Settings = current_app.extensions["triage_settings"]
    return found


def prewarm_pdf(settings: Settings) -> None:
    """Fork the warm PDF worker now: the letter PDF job renders here (unset PDF_PREWARM means yes, except under TESTING)."""
    if settings.PDF_PREWARM is True or (settings.PDF_PREWARM is None and not current_app.testing):
        start_workers(PdfSettings.from_config(current_app.config))


def _echo_busy(report: RoundReport) -> None:
    if report.sent or report.retried or report.failed or report.handed or any(report.jobs.values()):
        click.echo(report.summary())


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the periodic jobs once, send what is due, then exit.")
@click.option(
    "--poll-seconds",
    type=click.FloatRange(0.1, 300),
    default=1.0,
    show_default=True,
    help="Wait between rounds when there is nothing to send.",
)
@with_appcontext
def worker(once: bool, poll_seconds: float) -> None:
    """Send the outbox's messages (alert and escalation emails) and run the periodic jobs; stops on SIGTERM or Ctrl+C."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = _settings()
    prewarm_pdf(settings)  # before any thread starts: the pool forks
    transports = transports_from_settings(settings)
    on_redis = bool(settings.REDIS_URL)
    runner = OutboxWorker(database(), settings, transports=transports, jobs=JOBS, background_jobs=not on_redis)
    if not transports:
        click.echo("SMTP_HOST is not set: emails stay queued until a mail server is configured.", err=True)
    if on_redis:
        _serve_rq(runner, settings, once, poll_seconds)
        return
    if once:
        click.echo(runner.run_round().summary())
        return

    def _stop(signum: int, _frame: FrameType | None) -> None:
        runner.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"worker started (polling every {poll_seconds:g} s; SIGTERM or Ctrl+C stops it)")
    runner.run_forever(poll_seconds, on_round=_echo_busy)
    click.echo("worker stopped")


def _serve_rq(runner: OutboxWorker, settings: Settings, once: bool, poll_seconds: float) -> None:
    """With REDIS_URL: RQ runs every job (each message too) in the main thread (its limits use signals); a thread hands over."""
    queue = RqJobQueue.from_url(settings.REDIS_URL, settings, settings.REDIS_QUEUE)
    runner.hand_to = queue  # each round hands the due messages to RQ, one job each; any worker's RQ side sends them
    context = JobContext(database(), settings)
    if once:
        click.echo(runner.run_round().summary())
        serve(context, queue, burst=True)
        return
    outbox = threading.Thread(target=runner.run_forever, args=(poll_seconds, _echo_busy), name="outbox", daemon=True)
    outbox.start()
    click.echo(f"worker started on the RQ queue {queue.name!r} (outbox every {poll_seconds:g} s; SIGTERM or Ctrl+C stops it)")
    try:
        serve(context, queue)  # returns after RQ's warm shutdown on SIGTERM or Ctrl+C: the job in hand finishes first
    finally:
        runner.stop()
        outbox.join(timeout=30)
    click.echo("worker stopped")
