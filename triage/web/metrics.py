"""Prometheus metrics: request counts and latencies per endpoint, and the outbox and alert counts read at scrape time.

Request figures are kept in this process, or, when PROMETHEUS_MULTIPROC_DIR names a directory before the app starts,
in files there that every gunicorn worker writes and any of them reads, so a scrape sees the sum over all workers.
The labels are the endpoint's name (never the path: a patient link carries its token), the method and the status.
The database figures are counts only: nothing about a patient, intake or message.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable

from flask import Response, current_app, g, request
from flask.sansio.blueprints import BlueprintSetupState
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.exc import SQLAlchemyError

from triage.db import alert_queue, ops, outbox
from triage.db.clock import utcnow
from triage.db.session import Database

log = logging.getLogger("triage.web.metrics")

EXTENSION = "triage_metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Any other method (a scanner's PROPFIND) is counted as "other", so that a client cannot add label values at will.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# From a cached page (a few ms) to a PDF near its time limit (PDF_TIMEOUT_SECONDS, 20 s by default).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_STARTED = "metrics_started"


class RequestMetrics:
    """One app's request counter and latency histogram, in its own registry (several apps may share a process)."""

    def __init__(self) -> None:
        self.multiprocess_dir = os.environ.get(MULTIPROC_ENV) or None
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "triage_http_requests",
            "HTTP requests answered, by endpoint, method and status code",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "triage_http_request_duration_seconds",
            "Time from the start of the request to the response, by endpoint and method",
            ["endpoint", "method"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, endpoint: str, method: str, status: int, seconds: float | None) -> None:
        """Count one answered request (and its duration, when it is known)."""
        method = method if method in METHODS else "other"
        self.requests.labels(endpoint=endpoint, method=method, status=str(status)).inc()
        if seconds is not None:
            self.latency.labels(endpoint=endpoint, method=method).observe(seconds)

    def request_collector(self) -> CollectorRegistry:
        """The request figures of this process, or of every worker sharing the multiprocess directory."""
        if self.multiprocess_dir is None:
            return self.registry
        shared = CollectorRegistry()
        MultiProcessCollector(shared, path=self.multiprocess_dir)
        return shared


class DatabaseCounts:
    """A collector that reads the outbox, the open alerts and the worker heartbeat when it is scraped."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterable[Metric]:
        """The counts as gauges, and triage_database_up 0 (with no counts) when the database did not answer."""
        up = GaugeMetricFamily("triage_database_up", "1 when the database answered this scrape, else 0")
        try:
            with self.db.session() as session:
                messages = outbox.status_counts(session)
                alerts = alert_queue.unacknowledged_counts(session)
                beat = ops.last_heartbeat(session)
        except SQLAlchemyError as error:
            log.warning("metrics: the database did not answer (%s)", type(error).__name__)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        queue = GaugeMetricFamily(
            "triage_outbox_messages", "Outbox messages by status (queued is the queue depth)", labels=["status"]
        )
        for status, count in messages.items():
            queue.add_metric([status], count)
        open_alerts = GaugeMetricFamily(
            "triage_alerts_unacknowledged", "Red-flag alerts waiting for acknowledgement, by urgency tier", labels=["urgency"]
        )
        for tier, count in alerts.items():
            open_alerts.add_metric([tier], count)
        families: list[Metric] = [up, queue, open_alerts]
        if beat is not None:
            age = GaugeMetricFamily("triage_worker_heartbeat_age_seconds", "Seconds since a worker last started a round")
            age.add_metric([], max(0.0, (utcnow() - beat).total_seconds()))
            families.append(age)
        return families


def scrape(metrics: RequestMetrics, db: Database) -> Response:
    """The Prometheus text exposition of the request figures and the database counts."""
    body = generate_latest(metrics.request_collector()) + generate_latest(DatabaseCounts(db))
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def app_metrics() -> RequestMetrics:
    """The current app's request metrics."""
    found: RequestMetrics = current_app.extensions[EXTENSION]
    return found


def install(state: BlueprintSetupState) -> None:
    """Give the app its request metrics (called once, when the blueprint that times requests is registered)."""
    state.app.extensions.setdefault(EXTENSION, RequestMetrics())


def start_timer() -> None:
    """Note when the request started (a before-request hook)."""
    setattr(g, _STARTED, time.perf_counter())


def record_response(response: Response) -> Response:
    """Count the response and its duration (an after-request hook; it also runs for error pages)."""
    started = g.get(_STARTED)
    seconds = time.perf_counter() - started if isinstance(started, float) else None
    app_metrics().observe(request.endpoint or "unmatched", request.method, response.status_code, seconds)
    return response
