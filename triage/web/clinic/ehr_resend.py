"""The "Send again" button of an intake's EHR delivery: the last signed letter queued again, audited (PRG)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from sqlalchemy.orm import Session

from triage.web.access import database, record_staff_event, role_required
from triage.web.clinic.ehr_hook import SENDING_OFF, enqueue_after_commit, queue_again, sending_on
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable

routes = RouteTable()

NOTHING_TO_SEND = "Nothing was queued: this intake's letter is being sent now, is queued already, or was never signed."


def send_again(intake_id: int) -> tuple[str, str]:
    """Queue the intake's signed letter again and record who asked; the message to show and its category."""
    if not sending_on():
        return SENDING_OFF, "error"
    with database().session() as session:
        revision, to_enqueue = _queue(session, intake_id)
    if revision is None:
        return NOTHING_TO_SEND, "error"
    if to_enqueue:
        enqueue_after_commit(intake_id)
    return f"Letter revision {revision} is queued to be sent to the EHR again.", "info"


def _queue(session: Session, intake_id: int) -> tuple[int | None, bool]:
    revision, to_enqueue = queue_again(session, intake_id)
    record_staff_event(
        session,
        "ehr.resend",
        intake_id=intake_id,
        outcome="ok" if revision is not None else "refused",
        detail=f"revision={revision}" if revision is not None else "nothing to send again",
    )
    return revision, to_enqueue


@routes.route("/intakes/<int:intake_id>/ehr/send-again", methods=["POST"], endpoint="ehr_send_again")
@role_required("clinician")
def ehr_send_again(intake_id: int) -> Any:
    """A clinician sends the signed letter again (after a refusal was put right, or when the EHR lost it)."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    message, category = send_again(intake_id)
    flash(message, category)
    return redirect(url_for("clinic.intake", intake_id=intake_id, _anchor="ehr-delivery"))
