"""The date-of-birth check on the patient link: three boxes, five wrong answers lock the link for an hour.

The page and every answer to it are the same for a link that matches no invitation (a decoy session): the same
page, the same message and status for a wrong date, the same lock after the same number of tries. Nothing on it
names the patient or shows an answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, get_flashed_messages, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from triage.db import audit, identity_check
from triage.db.patient_sessions import digest
from triage.domain.questionnaire.answers import parse_field
from triage.domain.questionnaire.questions import Question, default_questionnaire
from triage.web.access import database
from triage.web.forms import ActionForm
from triage.web.patient import session as ps
from triage.web.patient.fields import field_views
from triage.web.patient.guards import SEE_OTHER
from triage.web.patient.translate import N_, gettext, question_in_language, translate_message
from triage.web.routes import RouteTable
from triage.web.security import client_ip

routes = RouteTable()

DOB_ID = "date_of_birth"
WRONG_CATEGORY = "dob-check"
WRONG = N_("This date of birth does not match the one your clinic gave us. Please check it and try again.")
BLANK = N_("Please enter your date of birth: day, month and year.")


def _question() -> Question:
    """The questionnaire's own date-of-birth question (the same boxes, label and hints as on the form)."""
    return default_questionnaire().by_id[DOB_ID]


def _see(endpoint: str) -> Any:
    return redirect(url_for(endpoint), SEE_OTHER)


@routes.get("/intake/check", endpoint="check")
def check_page() -> Any:
    """The check: the date-of-birth boxes, or the locked message; a verified session goes on to the questionnaire."""
    with database().session() as db_session:
        checking = ps.load_checking(db_session)
        if checking is None:
            return ps.no_session_page()
        if checking.verified:
            return _see("patient.start")
        if checking.state in ("expired", "revoked"):
            return ps.closed_link_page()
        locked = _locked(db_session, checking)
    wrong = get_flashed_messages(category_filter=[WRONG_CATEGORY])
    question = question_in_language(_question())
    errors = {DOB_ID: str(wrong[-1])} if wrong else {}
    fields = field_views([question], {}, errors)
    return render_template("patient/check.html", locked=locked, dob=fields[0], error=errors.get(DOB_ID, ""))


@routes.post("/intake/check", endpoint="check_answer")
def check_answer() -> Any:
    """Compare the date of birth; right: verify this browser's session (then 303 to /intake); wrong: count it."""
    if not ActionForm().validate_on_submit():
        abort(400)  # a CSRF failure reaches the blueprint's CSRF page first; this is belt and braces
    boxes = [request.form.get(f"{DOB_ID}-{part}", "") for part in ("day", "month", "year")]
    parsed = parse_field(_question(), boxes)
    with database().session() as db_session:
        checking = ps.load_checking(db_session)
        if checking is None:
            return ps.no_session_page()
        if checking.verified:
            return _see("patient.start")
        if checking.state in ("expired", "revoked"):
            return ps.closed_link_page()
        if _locked(db_session, checking):
            _audit(db_session, checking, "locked", "still locked")
            return _see("patient.check")
        if parsed.error is not None or parsed.value is None:
            # Not a date at all: no try is counted, for a real link and a decoy alike.
            flash(translate_message(parsed.error) if parsed.error else gettext(BLANK), WRONG_CATEGORY)
            return _see("patient.check")
        answer = dt.date.fromisoformat(str(parsed.value))
        if checking.invitation is not None and identity_check.matches(checking.invitation, answer):
            identity_check.verify(db_session, checking.invitation, digest(checking.raw_id))
            _audit(db_session, checking, "ok", "verified")
            return _see("patient.start")
        now_locked = _fail(db_session, checking)
        _audit(db_session, checking, "locked" if now_locked else "denied", "locked" if now_locked else "wrong")
    if not now_locked:
        flash(gettext(WRONG), WRONG_CATEGORY)
    return _see("patient.check")


def _locked(db_session: Session, checking: ps.Checking) -> bool:
    if checking.invitation is None:
        return identity_check.decoy_locked(db_session, checking.raw_id)
    return identity_check.is_locked(checking.invitation)


def _fail(db_session: Session, checking: ps.Checking) -> bool:
    if checking.invitation is None:
        return identity_check.decoy_failure(db_session, checking.raw_id)
    return identity_check.record_failure(db_session, checking.invitation)


def _audit(db_session: Session, checking: ps.Checking, outcome: str, detail: str) -> None:
    """One audit row per check (no date in it): who, the outcome, and 'unknown link' for a decoy."""
    invitation = checking.invitation
    audit.record(
        db_session,
        actor=checking.actor,
        role="patient",
        action="invitation.check",
        intake_id=invitation.intake_id if invitation else None,
        ip=client_ip(),
        outcome=outcome,
        detail=detail if invitation else f"{detail} (unknown link)",
    )
