"""Red flags on every step save: alerts for the clinic, and the patient's interrupt page for a new emergency flag."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import current_app, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy.orm import Session

from triage.db import alerts
from triage.db import intakes as queries
from triage.domain.questionnaire.questions import Answer, Step
from triage.domain.scales import Urgency
from triage.web.clinic_details import clinic
from triage.web.forms import ActionForm
from triage.web.patient import session as ps
from triage.web.patient.flow import FLAGS_KEY, INTERRUPT_KEY, Progress, known_flags, pending_interrupt
from triage.web.patient.guards import SEE_OTHER, bound_intake
from triage.web.patient.pages import step_url
from triage.web.routes import RouteTable
from triage.web.security import client_ip

log = logging.getLogger("triage.patient")

routes = RouteTable()


def alert_mail() -> alerts.AlertMail:
    """Where this app mails alerts, from its settings."""
    return alerts.AlertMail(clinic().alert_email, str(current_app.config["PUBLIC_BASE_URL"]))


def patient_actor(bound: ps.Bound) -> alerts.Actor:
    """The bound patient as audit rows name them, from this request's address."""
    return alerts.Actor(bound.actor, "patient", client_ip())


def help_lines() -> dict[str, str]:
    """What the interrupt and done pages tell the patient to do: the clinic's emergency instruction and phone number."""
    details = clinic()
    phone = details.phone.strip()
    link = "".join(c for i, c in enumerate(phone) if c.isdigit() or (c == "+" and i == 0))
    # The default instruction is in the catalogs; a clinic's own wording is shown as the clinic wrote it.
    return {"instruction": gettext(details.emergency_instruction), "phone": phone, "phone_link": link}


def after_save(
    db_session: Session, bound: ps.Bound, answers: dict[str, Answer], step: Step, next_id: str, from_review: bool = False
) -> bool:
    """The red-flag pass of a step save, in its transaction: raise alerts; True when the next page is the interrupt.

    The interrupt is set for an emergency flag this patient has not been shown yet; one already waiting
    keeps waiting (its way on follows this save: `next_id`, opened as a change from the review page when
    `from_review`). A pass that fails is logged, never costs the patient their answers: the full evaluation
    at submission raises the flags again.
    """
    before = pending_interrupt(bound.intake.pending_inputs)
    known = known_flags(bound.intake.pending_inputs)
    try:
        flags = alerts.red_flags_so_far(db_session, answers, dt.date.today())
        alerting = {flag.rule_id for flag in flags if flag.urgency in alerts.ALERT_TIERS}
        way_on: dict[str, Any] = {"next": next_id, "from_review": from_review}
        if alerting <= known and (before is None or _way_of(before) == way_on):
            return before is not None  # the common case: nothing new to alert, nothing to write
        with db_session.begin_nested():  # a failure below undoes the alerts and the interrupt, never the step
            by = patient_actor(bound)
            alerts.raise_alerts(db_session, bound.intake.id, flags, "in_progress", alert_mail(), by)
            emergencies = [flag.rule_id for flag in flags if flag.urgency is Urgency.EMERGENCY]
            new = set(emergencies) - alerts.shown_emergencies(db_session, bound.intake.id) if emergencies else set()
            waiting = before
            if new:
                interrupt_id = alerts.record_interrupt(db_session, bound.intake.id, emergencies, step.id, by)
                waiting = {"id": interrupt_id, "rules": emergencies, **way_on}
            elif before is not None:
                waiting = {**before, **way_on}
            marks: dict[str, Any] = {FLAGS_KEY: sorted(known | alerting)}
            if waiting is not None:
                marks[INTERRUPT_KEY] = waiting
            queries.save_step(db_session, bound.intake, {}, marks)
    except Exception as error:  # noqa: BLE001 - the step is saved whatever the rules engine does
        log.error("red-flag pass of intake %d failed (%s); the submission evaluates again", bound.intake.id, type(error).__name__)
        return before is not None
    return waiting is not None


def _way_of(waiting: dict[str, Any]) -> dict[str, Any]:
    return {"next": waiting.get("next"), "from_review": waiting.get("from_review") is True}


def _way_on(progress: Progress, waiting: dict[str, Any] | None) -> str:
    """Where "continue my answers" leads: the step the save was going to, if still open to the patient."""
    way = _way_of(waiting or {})
    if way["next"] == "start":
        return url_for("patient.start")
    for step in progress.questionnaire.steps:
        if step.id == way["next"] and progress.is_reachable(step):
            return step_url(step, way["from_review"])
    return step_url(progress.first_unfinished())


@routes.get("/intake/urgent")
@bound_intake()
def urgent(db_session: Session, bound: ps.Bound) -> Any:
    """The interrupt page: plain words on getting help today, the clinic's instruction and phone; names no condition."""
    if pending_interrupt(bound.intake.pending_inputs) is None:
        progress, _stored = bound.progress(db_session)
        return redirect(step_url(progress.first_unfinished()), SEE_OTHER)
    return render_template("patient/urgent.html", **help_lines())


@routes.post("/intake/urgent")
@bound_intake(lock=True)
def understood(db_session: Session, bound: ps.Bound) -> Any:
    """ "I understand - continue my answers": recorded, then on to the step the patient was going to."""
    waiting = pending_interrupt(bound.intake.pending_inputs)
    if waiting is not None and ActionForm().validate_on_submit():
        queries.save_step(db_session, bound.intake, {}, {}, drop=(INTERRUPT_KEY,))
        interrupt_id = waiting.get("id")
        alerts.record_interrupt_seen(
            db_session, bound.intake.id, interrupt_id if isinstance(interrupt_id, int) else None, patient_actor(bound)
        )
    progress, _stored = bound.progress(db_session)
    return redirect(_way_on(progress, waiting), SEE_OTHER)
