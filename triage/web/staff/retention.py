"""The admin's retention page (/admin/retention): the periods in force and what the next run would delete."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from triage.config import Settings
from triage.db import retention_run
from triage.db.clock import minute_text, utcnow
from triage.db.retention import preview
from triage.web.access import database, record_staff_event, role_required
from triage.web.routes import RouteTable

routes = RouteTable()

KINDS = (
    ("intakes", "Intakes, with everything that hangs off them", "last change"),
    ("letters", "Letters (of the intakes above)", "first revision"),
    ("messages", "Other sent, failed and cancelled messages", "created"),
)


@routes.route("/retention", endpoint="retention")
@role_required("admin")
def retention_page() -> Any:
    """The periods, the last and next run, and what the next run would delete (counts and oldest dates only)."""
    settings: Settings = current_app.extensions["triage_settings"]
    now = utcnow()
    with database().session() as session:
        periods = retention_run.periods_in_force(session, settings)
        finished, by = retention_run.last_run(session)
        moment = retention_run.next_run(session, now)
        found = preview(session, periods.cutoffs(moment))
        record_staff_event(session, "retention.view", detail=f"would delete {found.report.summary()}"[:2000])
    kinds = [
        {"label": label, "count": getattr(found.report, kind), "oldest": minute_text(found.oldest[kind]), "of": of}
        for kind, label, of in KINDS
    ]
    return render_template(
        "admin/retention.html",
        periods=periods,
        kinds=kinds,
        rows=sorted((name, count) for name, count in found.report.rows.items() if count),
        last_run=minute_text(finished),
        last_by=by,
        next_run=minute_text(moment),
        next_is_now=moment == now,
        cutoffs={
            "intakes": minute_text(found.cutoffs.intakes),
            "letters": minute_text(found.cutoffs.letters),
            "messages": minute_text(found.cutoffs.messages),
        },
    )
