"""The admin completion figures: per questionnaire version, how many invitations were sent, opened, started, submitted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import render_template, request

from triage.db.completion import RANGES, completion_figures
from triage.web.access import database, record_staff_event, role_required
from triage.web.routes import RouteTable

routes = RouteTable()

DAYS_PROBLEM = "Created in the last: choose 30, 90 or 365 days."


@routes.route("/completion", endpoint="completion")
@role_required("admin")
def completion() -> Any:
    """Counts per questionnaire version for invitations created in the last 30, 90 or 365 days (no patient data)."""
    raw = request.args.get("days", "90")
    if not raw.isdigit() or int(raw) not in RANGES:
        return render_template("admin/completion.html", figures=[], days=90, ranges=RANGES, problem=DAYS_PROBLEM), 400
    days = int(raw)
    with database().session() as session:
        figures = completion_figures(session, days)
        record_staff_event(session, "completion.view", detail=f"days={days} versions={len(figures)}")
    return render_template("admin/completion.html", figures=[asdict(f) for f in figures], days=days, ranges=RANGES, problem="")
