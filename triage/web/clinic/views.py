"""The clinician workspace: worklist, invitations, notes, review and re-evaluation (the intake page is in intake.py)."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from flask import current_app, flash, g, render_template, request
from sqlalchemy.orm import Session

from triage.db import alert_queue, decisions, intake_record, worklist
from triage.db.evaluations import evaluate_for_storage, ruleset_in_force
from triage.db.invitation_import import create_with_details
from triage.db.models import INTAKE_STATUSES
from triage.db.patient_languages import switched_off
from triage.domain.errors import RulesetError
from triage.domain.questionnaire.questions import default_questionnaire
from triage.domain.scales import Urgency
from triage.web.access import database, record_staff_event, role_required, signed_in_staff
from triage.web.alert_header import AlertCount
from triage.web.clinic.forms import InvitationForm, NoteForm, query_args, worklist_query
from triage.web.clinic.intake import STATUS_LABELS, back_to_intake, intake_page
from triage.web.clinic.invitation_upload import invitation_rules
from triage.web.clinic_details import clinic
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.i18n import language_choices
from triage.web.job_queue import letter_changed
from triage.web.routes import RouteTable

log = logging.getLogger("triage.clinic")
routes = RouteTable()

URGENCY_LABELS = {str(u): u.label for u in Urgency}


def differential_names(session: Session | None = None) -> dict[str, str]:
    """Display names of the current ruleset's differentials (empty when the ruleset cannot load).

    With a session, read in it, and the published version's reference kept by this process for a few seconds
    (triage.db.published_ref): the names only label the page, and a publication is seen within seconds.
    """
    try:
        if session is not None:
            return {d.id: d.name for d in ruleset_in_force(session, kept=True).differentials}
        with database().session() as own:
            return {d.id: d.name for d in ruleset_in_force(own).differentials}
    except RulesetError:
        log.exception("the current ruleset failed to load; showing differential ids")
        return {}


def _read_page_parts(session: Session) -> None:
    """What the page's header and invitation form read once per request, read in the worklist's transaction.

    Each is kept on `g` by its own module (alert_header.alert_count, i18n.switched_off_codes), which otherwise opens
    a session of its own for it: on PostgreSQL a checkout ping, BEGIN and COMMIT each, round trips for nothing.
    """
    if "alert_count" not in g:
        found = alert_queue.unacknowledged_counts(session)
        g.alert_count = AlertCount(found["emergency"], found["urgent"])
    if g.get("triage_languages_off") is None:
        g.triage_languages_off = switched_off(session)


def _worklist_page(invitation: dict[str, str] | None = None, form: InvitationForm | None = None) -> str:
    query = worklist_query(request.args)
    with database().session() as session:
        people = decisions.clinicians(session)
        if isinstance(query.assignee, int) and query.assignee not in {c.id for c in people}:
            query = replace(query, assignee=None)  # not a clinician: the filter is ignored, as any bad value is
        page = worklist.worklist_page(session, query)
        counts = page.status_counts  # read with the page, from the counts table (no count over every intake)
        names = differential_names(session)
        _read_page_parts(session)
        # The audit row last: it holds the audit chain's lock until this transaction commits.
        record_staff_event(
            session,
            "intake.list",
            detail=f"status={query.status or 'any'} urgency={query.urgency or 'any'} decision={query.decision or 'any'} "
            f"assignee={query.assignee or 'any'} q={query.q[:64]} page={page.page}",
        )
    return render_template(
        "clinic/worklist.html",
        page=page,
        query=query,
        counts=counts,
        names=names,
        statuses=INTAKE_STATUSES,
        status_labels=STATUS_LABELS,
        urgency_labels=URGENCY_LABELS,
        decision_labels=decisions.DECISION_LABELS,
        clinicians=people,
        args=lambda **changes: query_args(query, **changes),
        form=form or invitation_form(formdata=False),
        invitation=invitation,
    )


@routes.route("/", endpoint="worklist")
@role_required("clinician")
def worklist_view() -> Any:
    """Intakes by status with top urgency and top differential; filter, search, sort, page."""
    return _worklist_page()


@routes.route("/invitations", methods=["POST"])
@role_required("clinician")
def invite() -> Any:
    """Create a patient invitation and queue its email or text; the link is shown once here and stored only as a hash."""
    form = invitation_form()
    valid = form.validate_on_submit()
    details = form.checked(invitation_rules())
    if not valid or details is None:
        return _worklist_page(form=form), 400
    with database().session() as session:
        made = create_with_details(
            session,
            details,
            questionnaire_version=default_questionnaire().version,
            expires_days=clinic().invite_expiry_days,
            created_by=signed_in_staff().email,
        )
        record_staff_event(
            session,
            "invitation.create",
            intake_id=made.intake_id,
            detail=f"appointment={details.appointment_date or 'none'} channels={','.join(made.channels) or 'none'} "
            f"referral={','.join(made.referral) or 'none'}",
        )
    link = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/i/{made.token}"
    days = clinic().invite_expiry_days
    sent = {"email": "by email", "sms": "by text message"}
    return _worklist_page(
        invitation={
            "ref": details.ref,
            "link": link,
            "intake_id": str(made.intake_id),
            "days": str(days),
            "queued": " and ".join(sent[c] for c in made.channels),
        }
    )


def invitation_form(formdata: bool = True) -> InvitationForm:
    """The invitation form (read from the request, or blank) offering the questionnaire's languages."""
    form = InvitationForm() if formdata else InvitationForm(formdata=None)
    return form.offer_languages([(language.code, language.name) for language in language_choices()])


@routes.route("/intakes/<int:intake_id>/notes", methods=["POST"])
@role_required("clinician")
def add_note(intake_id: int) -> Any:
    """Save a clinician's note."""
    form = NoteForm()
    if not form.validate_on_submit():
        page = intake_page(intake_id, note_form=form)
        return page if isinstance(page, tuple) else (page, 400)
    with database().session() as session:
        if intake_record.intake_record(session, intake_id) is None:
            return render_error(404)
        note_id = worklist.add_note(session, intake_id, signed_in_staff().id, form.text.data or "")
        record_staff_event(session, "intake.note", intake_id=intake_id, detail=f"note {note_id}")
    flash("Note saved.", "info")
    return back_to_intake(intake_id, "notes")


@routes.route("/intakes/<int:intake_id>/review", methods=["POST"])
@role_required("clinician")
def review(intake_id: int) -> Any:
    """Mark a submitted intake reviewed (who, when)."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    with database().session() as session:
        if intake_record.intake_record(session, intake_id) is None:
            return render_error(404)
        done = worklist.mark_reviewed(session, intake_id, signed_in_staff().id)
        record_staff_event(
            session,
            "intake.review",
            intake_id=intake_id,
            outcome="ok" if done else "refused",
            detail="" if done else "not awaiting review",
        )
    flash(
        "Marked as reviewed." if done else "This intake is not awaiting review (not submitted yet, or already reviewed).",
        "info" if done else "error",
    )
    return back_to_intake(intake_id)


@routes.route("/intakes/<int:intake_id>/reevaluate", methods=["POST"])
@role_required("clinician")
def reevaluate(intake_id: int) -> Any:
    """Evaluate again with the current ruleset, keep the old result, and show what changed."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    with database().session() as session:
        ruleset = ruleset_in_force(session)
        try:
            ids = worklist.reevaluate(session, intake_id, lambda answers, on: evaluate_for_storage(answers, on, ruleset))
        except worklist.AnswersChanged:
            record_staff_event(
                session, "intake.reevaluate", intake_id=intake_id, outcome="refused", detail="answers fail the integrity check"
            )
            flash("The stored answers fail their integrity check, so they were not evaluated again.", "error")
            return back_to_intake(intake_id)
        if ids is None:
            return render_error(404, "Only a submitted intake can be evaluated again.")
        record_staff_event(
            session,
            "intake.reevaluate",
            intake_id=intake_id,
            ruleset_version=ruleset.version,
            detail=f"evaluation {ids[0]} -> {ids[1]}",
        )
    letter_changed(intake_id)
    flash(f"Evaluated again with ruleset {ruleset.version}; the earlier result is kept.", "info")
    return back_to_intake(intake_id, "changes", compare=ids[0])
