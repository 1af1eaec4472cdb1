"""Patient blueprint: from the private link to a stored, submitted questionnaire (thin views)."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import Session

from triage.db import alerts, audit
from triage.db import intakes as queries
from triage.domain.questionnaire.questions import Questionnaire, Step
from triage.web.access import database
from triage.web.errors import render_error
from triage.web.patient import session as ps
from triage.web.patient.flow import (
    CHECK_KEY,
    PROGRESS_KEY,
    Progress,
    check_mark,
    checked_errors,
    pending_interrupt,
    progress_with,
)
from triage.web.patient.forms import JS_MARKER, changed_values, read_step, shown_values
from triage.web.patient.guards import SEE_OTHER, bound_intake
from triage.web.patient.pages import FROM_FIELD, FROM_REVIEW, page_errors, render_review, render_step, step_url
from triage.web.patient.submit import submit_bound_intake
from triage.web.patient.translate import N_
from triage.web.patient.urgent import after_save, help_lines
from triage.web.routes import RouteTable
from triage.web.security import client_ip

log = logging.getLogger("triage.patient")

routes = RouteTable()

FINISH_FIRST = N_("Please finish this part first. Your answers so far are saved.")
NEW_FOLLOWUPS = N_("We have added a few questions based on your answers. Please answer them too, then press Continue.")
CSRF_EXPIRED = N_(
    "This page was open for a long time, so your answers were not saved yet. "
    "They are still here: please check them and press the button again."
)
CSRF_FAILED = N_("We could not save this page. Please go back, reload the page and try again. Your earlier answers are safe.")
SESSION_ENDED = N_(
    "This page was open for too long, so it could not be saved. "
    "Please open the link your clinic sent you again. Your earlier answers are safe."
)
SUBMIT_FAILED = N_(
    "We could not send your answers just now. Nothing has been lost. "
    "Please go back to the last page and press Send again in a moment."
)


def _see(url: str) -> Any:
    return redirect(url, SEE_OTHER)


def _step_or_404(questionnaire: Questionnaire, step_id: str) -> Step:
    for step in questionnaire.steps:
        if step.id == step_id and not step.is_review:
            return step
    abort(404)


@routes.get("/i/<token>")
def open_link(token: str) -> Any:
    """The private link: bind the session, then leave the token-bearing URL at once (for the date-of-birth check).

    A token that matches no invitation gets the same: a session id (bound to nothing) and the check page, where
    every date fails, so the page never tells whether a link exists. An invitation that records no date of birth
    has nothing to check: its session is verified at once and goes straight to the questionnaire.
    """
    with database().session() as db_session:
        invitation = queries.invitation_for_token(db_session, token) if ps.plausible_token(token) else None
        if ps.link_attempts_exceeded(db_session, invitation):
            log.warning("patient link attempts rate-limited")
            return render_error(429)
        if invitation is None:
            ps.refuse_link(db_session, "unknown link")
            ps.bind_decoy(db_session)
            return _see(url_for("patient.check"))
        state = queries.link_state(invitation)
        if state in ("expired", "revoked"):
            ps.refuse_link(db_session, f"{state} link", invitation)
            return ps.closed_link_page()
        ps.bind(db_session, invitation)
        checked = invitation.date_of_birth is not None
        audit.record(
            db_session,
            actor=f"invitation:{invitation.id}",
            role="patient",
            action="invitation.open",
            intake_id=invitation.intake_id,
            ip=client_ip(),
            detail=state,
        )
    if checked:
        return _see(url_for("patient.check"))
    return _see(url_for("patient.done" if state == "submitted" else "patient.start"))


@routes.get("/intake")
@bound_intake()
def start(db_session: Session, bound: ps.Bound) -> Any:
    """The short first page: what this is for, how long it takes, who reads it; Start or Continue."""
    progress, _stored = bound.progress(db_session)
    resume = progress.first_unfinished()
    started = bool(progress.done or progress.answers or progress.pending)
    minutes = bound.questionnaire.estimated_minutes
    return render_template("patient/start.html", resume_url=step_url(resume), started=started, minutes=minutes)


@routes.get("/intake/<step_id>")
@bound_intake()
def step(db_session: Session, bound: ps.Bound, step_id: str) -> Any:
    """One step's page, showing saved answers, kept raw inputs with their messages, and the problems of a refused Continue."""
    target = _step_or_404(bound.questionnaire, step_id)
    if pending_interrupt(bound.intake.pending_inputs) is not None:
        return _see(url_for("patient.urgent"))  # the interrupt page comes before any further question
    progress, stored = bound.progress(db_session)
    if not progress.is_reachable(target):
        return _see(step_url(progress.first_unfinished()))
    visible = progress.visible(target)
    return render_step(
        progress,
        target,
        visible,
        shown_values(target.questions, stored, progress.pending),
        page_errors(progress, visible, checked_errors(bound.intake.pending_inputs, target.id)),
        from_review=request.args.get(FROM_FIELD) == FROM_REVIEW,
        known=bound.known_answers(),
    )


def _following(before: Progress, after: Progress, target: Step, from_review: bool) -> tuple[Step, bool]:
    """Where Continue leads (and whether that page is still part of a change from the review page).

    From the review page the patient goes straight back there, unless the change left a later step unfinished
    or opened new questions on one: that step comes first, then the review page again.
    """
    if not from_review:
        return after.next_after(target), False
    steps = after.questionnaire.steps
    waiting = [s for s in (after.first_unfinished(), after.first_opened_after(before, target)) if s and not s.is_review]
    if not waiting:
        return after.review, False
    return min(waiting, key=steps.index), True


@routes.post("/intake/<step_id>")
@bound_intake(lock=True, submitted="locked")
def save(db_session: Session, bound: ps.Bound, step_id: str) -> Any:
    """Save a step at once, valid or not; then always redirect (303): on, back, or to this step's page again."""
    questionnaire = bound.questionnaire
    target = _step_or_404(questionnaire, step_id)
    going_back = request.form.get("action") == "back"
    from_review = request.form.get(FROM_FIELD) == FROM_REVIEW
    progress, stored = bound.progress(db_session)
    if not progress.is_reachable(target):
        flash(gettext(FINISH_FIRST), "info")
        return _see(step_url(progress.first_unfinished()))
    visible_before = {q.id for q in progress.visible(target)}
    reading = read_step(questionnaire, target, request.form, stored, visible_before, known=bound.known_answers())
    reshow_followups = reading.new_followups_blank and request.form.get(JS_MARKER) != "1"
    stays = not going_back and bool(reading.errors or reshow_followups)
    pending: dict[str, Any] = dict(reading.pending)
    if not (going_back or stays):
        pending[PROGRESS_KEY] = progress_with(progress.done, target.id)
    if stays and reading.errors:
        pending[CHECK_KEY] = check_mark(target.id, reading.errors)  # shown on the page the redirect leads to
    changed = changed_values(reading.values, stored, progress.pending)
    queries.save_step(db_session, bound.intake, changed, pending, drop=(CHECK_KEY,))
    after = Progress.from_effective(questionnaire, reading.answers, bound.intake.pending_inputs)
    if going_back:
        previous = after.previous_before(target)
        next_url = step_url(previous) if previous else url_for("patient.start")
        next_id, next_from_review = (previous.id if previous else "start"), False
    else:
        following, next_from_review = (target, from_review) if stays else _following(progress, after, target, from_review)
        next_url, next_id = step_url(following, next_from_review), following.id
    interrupt = after_save(db_session, bound, reading.answers, target, next_id, next_from_review)
    db_session.commit()  # saved (and the intake's lock released) before the next page is built
    if stays and not reading.errors:
        flash(gettext(NEW_FOLLOWUPS), "info")  # shown on this step's page (after the interrupt page, if one comes first)
    return _see(url_for("patient.urgent") if interrupt else next_url)


@routes.get("/intake/review")
@bound_intake()
def review(db_session: Session, bound: ps.Bound) -> Any:
    """Check your answers: every answer by section, each with its own Change link, then consent and Send."""
    if pending_interrupt(bound.intake.pending_inputs) is not None:
        return _see(url_for("patient.urgent"))
    progress, stored = bound.progress(db_session)
    if progress.first_unfinished() is not progress.review:
        flash(gettext(FINISH_FIRST), "info")
        return _see(step_url(progress.first_unfinished()))
    visible = progress.visible(progress.review)
    errors = page_errors(progress, visible, checked_errors(bound.intake.pending_inputs, progress.review.id))
    return render_review(progress, shown_values(visible, stored, progress.pending), errors, known=bound.known_answers())


@routes.post("/intake/review")
@bound_intake(lock=True)
def submit(db_session: Session, bound: ps.Bound) -> Any:
    """Save the consent boxes, then submit once; a repeat post is a 303 to the same done page, errors a 303 to review."""
    questionnaire = bound.questionnaire
    progress, stored = bound.progress(db_session)
    if progress.first_unfinished() is not progress.review:
        flash(gettext(FINISH_FIRST), "info")
        return _see(step_url(progress.first_unfinished()))
    review_step = progress.review
    reading = read_step(questionnaire, review_step, request.form, stored, {q.id for q in progress.visible(review_step)})
    pending: dict[str, Any] = dict(reading.pending)
    if reading.errors:
        pending[CHECK_KEY] = check_mark(review_step.id, reading.errors)
    changed = changed_values(reading.values, stored, progress.pending)
    queries.save_step(db_session, bound.intake, changed, pending, drop=(CHECK_KEY,))
    # Commit (releasing the intake's lock) first: the submission takes the lock again in its own transaction.
    db_session.commit()
    if reading.errors:
        return _see(url_for("patient.review"))
    outcome = submit_bound_intake(bound)
    if outcome in ("submitted", "already"):
        return _see(url_for("patient.done"))
    if outcome == "unfinished":
        return _see(url_for("patient.review"))
    if outcome == "nosession":
        return ps.no_session_page()
    if outcome in ("expired", "revoked"):
        return ps.closed_link_page()
    return render_error(503, gettext(SUBMIT_FAILED))


@routes.get("/intake/done")
def done() -> Any:
    """The read-only page after submission: the clinic has the answers (never any triage output)."""
    with database().session() as db_session:
        bound = ps.load_bound(db_session)
        if bound is None and ps.check_pending(db_session):
            return _see(url_for("patient.check"))
        if bound is None:
            return ps.no_session_page()
        if bound.state == "open":
            return _see(url_for("patient.start"))
        if bound.state != "submitted":
            return ps.closed_link_page()
        safety_net = alerts.needs_safety_net(db_session, bound.intake.id)
    return render_template("patient/done.html", safety_net=safety_net, **help_lines())


def csrf_failed(error: CSRFError) -> Any:
    """A missing or wrong CSRF token: 400. An expired one: the page again with what was posted (not saved, so 400)."""
    if error.description == "The CSRF token has expired." and request.method == "POST":
        page = _reshow_unsaved()
        if page is not None:
            return page
    if ps.SESSION_KEY not in session:
        return render_error(400, gettext(SESSION_ENDED))
    return render_error(400, gettext(CSRF_FAILED))


def _reshow_unsaved() -> Any:
    """Re-show the posted step (or review) with the patient's input and a request to press again.

    The one patient page answering a POST with HTML (400): nothing was saved, so the page must carry what was
    typed, and a browser's resubmission of it is exactly the retry the page asks for.
    """
    with database().session() as db_session:
        bound = ps.load_bound(db_session)
        if bound is None or bound.state != "open":
            return None
        questionnaire = bound.questionnaire
        progress, stored = bound.progress(db_session)
    if request.endpoint == "patient.submit" and progress.is_reachable(progress.review):
        reading = read_step(questionnaire, progress.review, request.form, stored)
        return render_review(progress, reading.shown, {}, gettext(CSRF_EXPIRED), 400, bound.known_answers())
    step_id = (request.view_args or {}).get("step_id")
    target = next((s for s in questionnaire.steps if s.id == step_id and not s.is_review), None)
    if request.endpoint != "patient.save" or target is None or not progress.is_reachable(target):
        return None
    known = bound.known_answers()
    reading = read_step(questionnaire, target, request.form, stored, known=known)
    shown = shown_values(target.questions, stored, {}) | reading.shown
    from_review = request.form.get(FROM_FIELD) == FROM_REVIEW
    return render_step(progress, target, reading.visible, shown, {}, gettext(CSRF_EXPIRED), 400, from_review, known)
