"""The admin alerts report: per urgency tier and month, minutes from raised to acknowledged, and what is still open."""

from __future__ import annotations

from typing import Any

from flask import render_template

from triage.db import alert_report
from triage.web.access import database, record_staff_event, role_required
from triage.web.routes import RouteTable

routes = RouteTable()


@routes.get("/alerts-report", endpoint="alerts_report")
@role_required("admin")
def alerts_report() -> Any:
    """Median and 90th-percentile acknowledgement times and unacknowledged counts; figures only, no patient data."""
    with database().session() as db_session:
        rows = alert_report.alerts_report(db_session)
        record_staff_event(db_session, "alerts.report", detail=f"rows={len(rows)}")
    return render_template("admin/alerts_report.html", rows=rows)
