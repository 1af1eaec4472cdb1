"""The Needs-attention queue of red-flag alerts and their acknowledgement by a clinician."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for

from triage.config import Settings
from triage.db import alert_queue
from triage.db.clock import utcnow
from triage.web.access import database, record_staff_event, role_required, signed_in_staff
from triage.web.clinic.alert_forms import AcknowledgeForm, form_errors
from triage.web.errors import render_error
from triage.web.routes import RouteTable

routes = RouteTable()


def _settings() -> Settings:
    found: Settings = current_app.extensions["triage_settings"]
    return found


def _queue_page(failed_alert: int | None = None, failed: dict[str, Any] | None = None) -> str:
    settings = _settings()
    with database().session() as session:
        queue = alert_queue.attention_queue(session, utcnow(), settings.STALE_FLAG_HOURS)
        record_staff_event(
            session,
            "alert.queue",
            detail=f"open={len(queue.open)} acknowledged_shown={len(queue.acknowledged)}",
        )
    return render_template(
        "clinic/attention.html",
        queue=queue,
        stale_hours=settings.STALE_FLAG_HOURS,
        failed_alert=failed_alert,
        failed=failed or {},
    )


@routes.get("/attention", endpoint="attention")
@role_required("clinician")
def attention() -> Any:
    """Every unacknowledged emergency and urgent alert, submitted or not, with the latest acknowledged ones below."""
    return _queue_page()


def _to(back: str, intake_id: int | None, alert_id: int) -> Any:
    if back == "intake" and intake_id is not None:
        return redirect(url_for("clinic.intake", intake_id=intake_id) + "#alerts", code=303)
    return redirect(url_for("clinic.attention") + f"#alert-{alert_id}", code=303)


@routes.post("/alerts/<int:alert_id>/acknowledge", endpoint="acknowledge_alert")
@role_required("clinician")
def acknowledge(alert_id: int) -> Any:
    """Record who acknowledged the alert, when, the action taken and a note (Post/Redirect/Get)."""
    form = AcknowledgeForm()
    back = form.back.data if form.back.data in ("queue", "intake") else "queue"
    if not form.validate_on_submit():
        with database().session() as session:
            intake_id = alert_queue.alert_intake(session, alert_id)
        if intake_id is None:
            return render_error(404, "There is no alert with that number.")
        if back == "intake":
            # The intake page is not re-rendered here: its errors come back as a message above the alert panel.
            for errors in form_errors(form)["errors"].values():
                for message in errors:
                    flash(message, "error")
            return _to(back, intake_id, alert_id)
        return _queue_page(failed_alert=alert_id, failed=form_errors(form)), 400
    action, note = form.action.data or "", form.note.data or ""
    with database().session() as session:
        result = alert_queue.acknowledge(session, alert_id, signed_in_staff().id, action, note, utcnow())
        if result.outcome == "missing":
            return render_error(404, "There is no alert with that number.")
        record_staff_event(
            session,
            "alert.acknowledge",
            intake_id=result.intake_id,
            outcome="ok" if result.outcome == "ok" else "refused",
            detail=f"alert {alert_id} {result.urgency} action={action}"
            + ("" if result.outcome == "ok" else ": already acknowledged"),
        )
    if result.outcome == "ok":
        flash(f"{result.urgency.capitalize()} alert for intake {result.intake_id} acknowledged.", "info")
    else:
        flash("Someone acknowledged this alert already; their acknowledgement stands.", "error")
    return _to(back, result.intake_id, alert_id)
