"""One invitation's panel for clinicians: the link's state, who it is for, each message's delivery, and the actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from triage.db import invitation_admin
from triage.db.invitation_admin import Outcome
from triage.web.access import database, record_staff_event, role_required
from triage.web.clinic_details import clinic
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable

routes = RouteTable()
Action = Callable[[Session], Outcome | None]

STATE_LABELS = {
    "open": "Open: the patient can use the link",
    "expired": "Expired: the link no longer opens",
    "revoked": "Revoked: the link no longer opens",
    "submitted": "Submitted: the patient has sent their answers",
    "locked": "Locked after too many wrong dates of birth",
}
REFUSALS = {
    "submitted": "The patient has already submitted this questionnaire, so its link cannot be changed.",
    "revoked": "This invitation is revoked. Resend it to give the patient a new link.",
    "not_locked": "The link is not locked, so there is nothing to unlock.",
}
DONE = {
    "extend": "The link now works until {expires}.",
    "revoke": "The invitation is revoked: its link no longer opens, and the patient's open pages are closed.",
    "unlock": "The link is unlocked: the patient can try their date of birth again.",
}


class ExtendForm(FlaskForm):
    """How many days from now the link should work (blank: the clinic's usual expiry)."""

    days = IntegerField(
        "Days from now",
        validators=[Optional(), NumberRange(min=1, max=90, message="Days: give a whole number from 1 to 90.")],
    )


def _panel_page(intake_id: int, new_link: dict[str, str] | None = None, extend_form: ExtendForm | None = None) -> Any:
    with database().session() as session:
        found = invitation_admin.panel(session, intake_id)
        if found is None:
            return render_error(404, "This intake has no invitation.")
        record_staff_event(session, "invitation.view", intake_id=intake_id, detail=f"state={found.state}")
    return render_template(
        "clinic/invitation.html",
        panel=asdict(found),
        state_label=STATE_LABELS.get(found.state, found.state),
        new_link=new_link,
        action=ActionForm(formdata=None),
        extend_form=extend_form or ExtendForm(formdata=None),
        default_days=clinic().invite_expiry_days,
    )


def _back(intake_id: int) -> Any:
    return redirect(url_for("clinic.invitation_panel", intake_id=intake_id), code=303)


@routes.route("/intakes/<int:intake_id>/invitation", endpoint="invitation_panel")
@role_required("clinician")
def invitation_panel(intake_id: int) -> Any:
    """The link's state and expiry, who it is for (contact masked), the appointment, and each message's delivery."""
    return _panel_page(intake_id)


def _act(intake_id: int, action: str, run: Action, detail: str = "") -> Outcome | None:
    """Run an action in one transaction, audit it (done or refused) and say why when refused."""
    with database().session() as session:
        outcome = run(session)
        if outcome is not None:
            record_staff_event(
                session,
                f"invitation.{action}",
                intake_id=intake_id,
                outcome="ok" if outcome.done else "refused",
                detail=detail if outcome.done else outcome.reason,
            )
    if outcome is not None and not outcome.done:
        flash(REFUSALS.get(outcome.reason, "That cannot be done for this invitation."), "error")
    return outcome


@routes.route("/intakes/<int:intake_id>/invitation/resend", methods=["POST"], endpoint="invitation_resend")
@role_required("clinician")
def resend(intake_id: int) -> Any:
    """A new link (every earlier one stops now) with a fresh expiry, sent again; the link is shown once, here."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    days = clinic().invite_expiry_days
    outcome = _act(intake_id, "resend", lambda s: invitation_admin.resend(s, intake_id, days), f"days={days}")
    if outcome is None:
        return render_error(404, "This intake has no invitation.")
    if not outcome.done or outcome.token is None:
        return _back(intake_id)
    sent = {"email": "by email", "sms": "by text message"}
    link = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/i/{outcome.token}"
    shown = {"link": link, "days": str(days), "queued": " and ".join(sent[c] for c in outcome.queued)}
    return _panel_page(intake_id, new_link=shown)


@routes.route("/intakes/<int:intake_id>/invitation/extend", methods=["POST"], endpoint="invitation_extend")
@role_required("clinician")
def extend(intake_id: int) -> Any:
    """Let the link work for longer: the clinic's usual number of days from now, or a chosen 1 to 90."""
    form = ExtendForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return render_error(400)
        page = _panel_page(intake_id, extend_form=form)
        return page if isinstance(page, tuple) else (page, 400)
    days = form.days.data or clinic().invite_expiry_days
    outcome = _act(intake_id, "extend", lambda s: invitation_admin.extend(s, intake_id, days), f"days={days}")
    if outcome is None:
        return render_error(404, "This intake has no invitation.")
    if outcome.done:
        with database().session() as session:
            found = invitation_admin.panel(session, intake_id)
        flash(DONE["extend"].format(expires=found.expires if found else ""), "info")
    return _back(intake_id)


def _simple(intake_id: int, action: str, run: Action) -> Any:
    if not ActionForm().validate_on_submit():
        return render_error(400)
    outcome = _act(intake_id, action, run)
    if outcome is None:
        return render_error(404, "This intake has no invitation.")
    if outcome.done:
        flash(DONE[action], "info")
    return _back(intake_id)


@routes.route("/intakes/<int:intake_id>/invitation/revoke", methods=["POST"], endpoint="invitation_revoke")
@role_required("clinician")
def revoke(intake_id: int) -> Any:
    """End the link now: the patient's open pages close and messages not yet sent are cancelled."""
    return _simple(intake_id, "revoke", lambda s: invitation_admin.revoke(s, intake_id))


@routes.route("/intakes/<int:intake_id>/invitation/unlock", methods=["POST"], endpoint="invitation_unlock")
@role_required("clinician")
def unlock(intake_id: int) -> Any:
    """Unlock a link locked after too many wrong dates of birth."""
    return _simple(intake_id, "unlock", lambda s: invitation_admin.unlock(s, intake_id))
