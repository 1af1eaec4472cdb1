"""The triage decision: a clinician records what the clinic will do with a submitted intake, and who takes it."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for

from triage.db import decisions
from triage.web.access import database, record_staff_event, role_required, signed_in_staff
from triage.web.clinic.forms import DecisionForm
from triage.web.clinic.intake import intake_page
from triage.web.errors import render_error
from triage.web.job_queue import letter_changed
from triage.web.routes import RouteTable

routes = RouteTable()


@routes.route("/intakes/<int:intake_id>/decision", methods=["POST"])
@role_required("clinician")
def decide(intake_id: int) -> Any:
    """Record the triage decision and assignee (audited as intake.decision); refused for an intake not sent yet."""
    with database().session() as session:
        form = DecisionForm().offer(decisions.clinicians(session))
    if not form.validate_on_submit():
        page = intake_page(intake_id, decision_form=form)
        return page if isinstance(page, tuple) else (page, 400)
    decision, assignee = form.decision.data or "", form.assignee_id()
    with database().session() as session:
        try:
            decisions.record_decision(session, intake_id, decision, assignee, signed_in_staff().id, form.note.data or "")
        except LookupError:
            return render_error(404, "There is no intake with that number.")
        except decisions.DecisionRefused as refused:
            record_staff_event(session, "intake.decision", intake_id=intake_id, outcome="refused", detail=str(refused))
            flash(str(refused), "error")
            return redirect(url_for("clinic.intake", intake_id=intake_id) + "#decision", code=303)
        # The note may hold clinical detail, so the audit row names only the decision and the assignee's account id.
        record_staff_event(
            session, "intake.decision", intake_id=intake_id, detail=f"decision={decision} assigned_to={assignee or 'nobody'}"
        )
    letter_changed(intake_id)
    flash(f"Decision recorded: {decisions.decision_label(decision)}.", "info")
    return redirect(url_for("clinic.intake", intake_id=intake_id) + "#decision", code=303)
