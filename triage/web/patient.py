"""Patient blueprint: from the private link to a stored, submitted questionnaire (thin views)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask_wtf.csrf import CSRFError

from triage.db import audit, queries
from triage.domain.questions import Step, default_questionnaire
from triage.web import patient_session as ps
from triage.web.errors import render_error
from triage.web.forms import JS_MARKER, changed_values, pending_errors, read_step, shown_values
from triage.web.patient_flow import PROGRESS_KEY, Progress, progress_with
from triage.web.patient_pages import render_review, render_step, step_url
from triage.web.patient_submit import submit_bound_intake
from triage.web.security import client_ip

log = logging.getLogger("triage.patient")

bp = Blueprint("patient", __name__)

SEE_OTHER = 303
FINISH_FIRST = "Please finish this part first. Your answers so far are saved."
NEW_FOLLOWUPS = "We have added a few questions based on your answers. Please answer them too, then press Continue."
CSRF_EXPIRED = "This page was open for a long time, so your answers were not saved yet. They are still here: please check them and press the button again."
CSRF_FAILED = "We could not save this page. Please go back, reload the page and try again. Your earlier answers are safe."
SESSION_ENDED = "This page was open for too long, so it could not be saved. Please open the link your clinic sent you again. Your earlier answers are safe."
SUBMIT_FAILED = "We could not send your answers just now. Nothing has been lost. Please go back to the last page and press Send again in a moment."


@bp.record_once
def _defaults(state: BlueprintSetupState) -> None:
    for key, value in ps.DEFAULTS.items():
        state.app.config.setdefault(key, value)


def _see(url: str) -> Any:
    return redirect(url, SEE_OTHER)


def _guard(bound: ps.Bound | None, posting: bool = False) -> Any:
    """The response when the bound intake cannot be worked on (None when it can)."""
    if bound is None:
        return ps.no_session_page()
    if bound.state == "submitted":
        return ps.locked_page() if posting else _see(url_for("patient.done"))
    if bound.state != "open":
        return ps.closed_link_page()
    return None


def _step_or_404(step_id: str) -> Step:
    for step in default_questionnaire().steps:
        if step.id == step_id and not step.is_review:
            return step
    abort(404)


@bp.get("/i/<token>")
def open_link(token: str) -> Any:
    """The private link: bind the session to the intake, then leave the token-bearing URL at once."""
    with ps.database().session() as db_session:
        if ps.link_attempts_exceeded(db_session):
            log.warning("patient link attempts rate-limited")
            return render_error(429)
        invitation = queries.invitation_for_token(db_session, token) if ps.plausible_token(token) else None
        if invitation is None:
            ps.refuse_link(db_session, "unknown link")
            return render_error(404)
        state = queries.link_state(invitation)
        if state in ("expired", "revoked"):
            ps.refuse_link(db_session, f"{state} link", invitation)
            return ps.closed_link_page()
        ps.bind(invitation)
        audit.record(db_session, actor=f"invitation:{invitation.id}", role="patient", action="invitation.open", intake_id=invitation.intake_id, ip=client_ip(), detail=state)
    return _see(url_for("patient.done" if state == "submitted" else "patient.start"))


@bp.get("/intake")
def start() -> Any:
    """The short first page: what this is for, how long it takes, who reads it; Start or Continue."""
    with ps.database().session() as db_session:
        bound = ps.load_bound(db_session)
        refused = _guard(bound)
        if refused is not None or bound is None:
            return refused
        progress, _stored = bound.progress(db_session)
    resume = progress.first_unfinished()
    started = bool(progress.done or progress.answers or progress.pending)
    return render_template("patient/start.html", resume_url=step_url(resume), started=started)


@bp.get("/intake/<step_id>")
def step(step_id: str) -> Any:
    """One step's page, showing saved answers (and kept raw inputs with their messages)."""
    if step_id == "review":
        return _see(url_for("patient.review"))
    target = _step_or_404(step_id)
    with ps.database().session() as db_session:
        bound = ps.load_bound(db_session)
        refused = _guard(bound)
        if refused is not None or bound is None:
            return refused
        progress, stored = bound.progress(db_session)
    if not progress.is_reachable(target):
        return _see(step_url(progress.first_unfinished()))
    visible = progress.visible(target)
    return render_step(progress, target, visible, shown_values(target.questions, stored, progress.pending), pending_errors(visible, progress.pending))


@bp.post("/intake/<step_id>")
def save(step_id: str) -> Any:
    """Save a step at once, valid or not; then move on, go back, or show it again with messages."""
    target = _step_or_404(step_id)
    questionnaire = default_questionnaire()
    going_back = request.form.get("action") == "back"
    with ps.database().session() as db_session:
        bound = ps.load_bound(db_session, lock=True)
        refused = _guard(bound, posting=True)
        if refused is not None or bound is None:
            return refused
        progress, stored = bound.progress(db_session)
        if not progress.is_reachable(target):
            flash(FINISH_FIRST, "info")
            return _see(step_url(progress.first_unfinished()))
        reading = read_step(questionnaire, target, request.form, stored, {q.id for q in progress.visible(target)})
        reshow_followups = reading.new_followups_blank and request.form.get(JS_MARKER) != "1"
        pending = dict(reading.pending)
        if not (going_back or reading.errors or reshow_followups):
            pending[PROGRESS_KEY] = progress_with(progress.done, target.id)
        queries.save_step(db_session, bound.intake, changed_values(reading.values, stored, progress.pending), pending)
        after = Progress.from_effective(questionnaire, reading.answers, bound.intake.pending_inputs)
    if going_back:
        previous = after.previous_before(target)
        return _see(step_url(previous) if previous else url_for("patient.start"))
    if reading.errors or reshow_followups:
        shown = shown_values(target.questions, stored, {}) | reading.shown  # hidden follow-ups keep their stored value
        return render_step(after, target, reading.visible, shown, reading.errors, None if reading.errors else NEW_FOLLOWUPS, 400 if reading.errors else 200)
    return _see(step_url(after.next_after(target)))


@bp.get("/intake/review")
def review() -> Any:
    """Every answer grouped by step with a Change link per step, then consent and Send."""
    with ps.database().session() as db_session:
        bound = ps.load_bound(db_session)
        refused = _guard(bound)
        if refused is not None or bound is None:
            return refused
        progress, stored = bound.progress(db_session)
    if progress.first_unfinished() is not progress.review:
        flash(FINISH_FIRST, "info")
        return _see(step_url(progress.first_unfinished()))
    visible = progress.visible(progress.review)
    return render_review(progress, shown_values(visible, stored, progress.pending), pending_errors(visible, progress.pending))


@bp.post("/intake/review")
def submit() -> Any:
    """Save the consent boxes, then submit once; a repeat post is a 303 to the same done page."""
    questionnaire = default_questionnaire()
    with ps.database().session() as db_session:
        bound = ps.load_bound(db_session, lock=True)
        if bound is not None and bound.state == "submitted":
            return _see(url_for("patient.done"))
        refused = _guard(bound, posting=True)
        if refused is not None or bound is None:
            return refused
        progress, stored = bound.progress(db_session)
        if progress.first_unfinished() is not progress.review:
            flash(FINISH_FIRST, "info")
            return _see(step_url(progress.first_unfinished()))
        reading = read_step(questionnaire, progress.review, request.form, stored, {q.id for q in progress.visible(progress.review)})
        queries.save_step(db_session, bound.intake, changed_values(reading.values, stored, progress.pending), reading.pending)
        after = Progress.from_effective(questionnaire, reading.answers, bound.intake.pending_inputs)
    if reading.errors:
        return render_review(after, reading.shown, reading.errors, status=400)
    outcome = submit_bound_intake(bound)
    if outcome in ("submitted", "already"):
        return _see(url_for("patient.done"))
    if outcome == "unfinished":
        return _see(url_for("patient.review"))
    if outcome == "nosession":
        return ps.no_session_page()
    if outcome in ("expired", "revoked"):
        return ps.closed_link_page()
    return render_error(503, SUBMIT_FAILED)


@bp.get("/intake/done")
def done() -> Any:
    """The read-only page after submission: the clinic has the answers (never any triage output)."""
    with ps.database().session() as db_session:
        bound = ps.load_bound(db_session)
        if bound is None:
            return ps.no_session_page()
        if bound.state == "open":
            return _see(url_for("patient.start"))
        if bound.state != "submitted":
            return ps.closed_link_page()
    return render_template("patient/done.html")


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError) -> Any:
    """A missing or wrong CSRF token: 400. An expired one: the page again with what was posted (not saved)."""
    if error.description == "The CSRF token has expired." and request.method == "POST":
        page = _reshow_unsaved()
        if page is not None:
            return page
    if ps.SESSION_KEY not in session:
        return render_error(400, SESSION_ENDED)
    return render_error(400, CSRF_FAILED)


def _reshow_unsaved() -> Any:
    """Re-show the posted step (or review) with the patient's input and a request to press again."""
    questionnaire = default_questionnaire()
    with ps.database().session() as db_session:
        bound = ps.load_bound(db_session)
        if bound is None or bound.state != "open":
            return None
        progress, stored = bound.progress(db_session)
    if request.endpoint == "patient.submit" and progress.is_reachable(progress.review):
        reading = read_step(questionnaire, progress.review, request.form, stored)
        return render_review(progress, reading.shown, {}, CSRF_EXPIRED, 400)
    step_id = (request.view_args or {}).get("step_id")
    target = next((s for s in questionnaire.steps if s.id == step_id and not s.is_review), None)
    if request.endpoint != "patient.save" or target is None or not progress.is_reachable(target):
        return None
    reading = read_step(questionnaire, target, request.form, stored)
    shown = shown_values(target.questions, stored, {}) | reading.shown
    return render_step(progress, target, reading.visible, shown, {}, CSRF_EXPIRED, 400)
