"""Operations: the staff start page at `/`, `/healthz` and `/readyz` for load balancers, `/metrics` for Prometheus.

None of them needs a staff session (the blueprint is public in the access table) and none shows a version, a patient
or a database address. `/metrics` answers only a monitoring server holding METRICS_TOKEN, and 404 when it is unset.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from triage.config import Settings
from triage.db import ops
from triage.db.session import Database
from triage.web import metrics
from triage.web.access import database
from triage.web.routes import RouteTable

log = logging.getLogger("triage.web.ops")

routes = RouteTable()
NO_STORE = {"Cache-Control": "no-store"}


def _settings() -> Settings:
    found: Settings = current_app.extensions["triage_settings"]
    return found


def readiness(db: Database, worker_expected: bool) -> dict[str, str]:
    """Each readiness check and its outcome ("ok", "not expected" or what is wrong), without versions or addresses."""
    unknown = {"database": "unreachable", "migrations": "unknown", "worker": "unknown" if worker_expected else "not expected"}
    # A removed SQLite file still answers through the connections that hold it open, and a new connection would make
    # an empty file: either way the clinic's data is not there.
    if ops.sqlite_file_missing(db.url):
        return unknown
    try:
        with db.session() as session:
            at_head = ops.current_revisions(session) == ops.migration_heads()
            beating = worker_expected and at_head and ops.heartbeat_recent(session)
    except SQLAlchemyError as error:
        log.warning("readyz: the database did not answer (%s)", type(error).__name__)
        return unknown
    worker = "not expected" if not worker_expected else "ok" if beating else "no recent heartbeat"
    return {"database": "ok", "migrations": "ok" if at_head else "not at head", "worker": worker}


@routes.get("/")
def home() -> Any:
    """A short page for staff: the clinic's name and the way to sign in."""
    return render_template("home.html", sign_in_url=url_for("auth.login"))


@routes.get("/healthz")
def healthz() -> Any:
    """The process is up and answering (no database access: a load balancer may call it every second)."""
    return Response("ok\n", mimetype="text/plain", headers=NO_STORE)


@routes.get("/readyz")
def readyz() -> Any:
    """200 when the database answers, its schema is at this version's head and (if expected) a worker beats; else 503."""
    checks = readiness(database(), _settings().WORKER_EXPECTED)
    ready = all(outcome in ("ok", "not expected") for outcome in checks.values())
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers.update(NO_STORE)
    return response


@routes.get("/metrics", endpoint="metrics")
def prometheus() -> Any:
    """The Prometheus text metrics, for a bearer of METRICS_TOKEN only (401 without a token, 403 with a wrong one)."""
    expected = _settings().METRICS_TOKEN
    if not expected:
        abort(404)  # switched off: the same page as an address that does not exist
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        headers = {"WWW-Authenticate": 'Bearer realm="metrics"', **NO_STORE}
        return Response("a bearer token is required\n", status=401, mimetype="text/plain", headers=headers)
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        log.warning("metrics: refused a wrong token")
        return Response("wrong token\n", status=403, mimetype="text/plain", headers=NO_STORE)
    return metrics.scrape(metrics.app_metrics(), database())


def build_blueprint() -> Blueprint:
    """The operations blueprint; registered first, it also times every request of the app for /metrics."""
    blueprint = Blueprint("ops", __name__)
    routes.register(blueprint)
    blueprint.record_once(metrics.install)
    blueprint.before_app_request(metrics.start_timer)
    blueprint.after_app_request(metrics.record_response)
    return blueprint
