"""The EHR part of the admin delivery page: counts by status, the letters not sent, and "Send again" for each."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from sqlalchemy.orm import Session

from triage.db.ehr_delivery_list import deliveries_needing_attention, ehr_status_counts
from triage.web.access import role_required
from triage.web.clinic.ehr_hook import sending_on
from triage.web.clinic.ehr_resend import send_again
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable

routes = RouteTable()

SHOWN = 50


def ehr_section(db_session: Session) -> dict[str, Any]:
    """What the delivery page shows of the EHR: whether sending is on, counts by status and the deliveries not sent."""
    return {
        "on": sending_on(),
        "counts": ehr_status_counts(db_session),
        "rows": deliveries_needing_attention(db_session, SHOWN),
        "shown": SHOWN,
    }


@routes.route("/deliveries/ehr/<int:intake_id>/send-again", methods=["POST"], endpoint="ehr_send_again")
@role_required("admin")
def ehr_send_again(intake_id: int) -> Any:
    """An admin sends an intake's signed letter again once the EHR's problem is put right (audited)."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    message, category = send_again(intake_id)
    flash(message, category)
    return redirect(url_for("admin.deliveries", _anchor="ehr-deliveries"))
