"""The clinician workspace: worklist, invitations, the intake review page, feedback, notes, review, re-evaluation, PDF."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for

from triage.db import alert_queue, decisions, intake_record, worklist
from triage.db import intakes as queries
from triage.db.evaluations import evaluate_for_storage, ruleset_in_force
from triage.db.models import INTAKE_STATUSES
from triage.domain.engine.result_view import answers_too_few, compare_results
from triage.domain.errors import RulesetError
from triage.domain.questionnaire.questions import default_questionnaire
from triage.domain.report.chart import severity_chart
from triage.domain.report.model import build_report
from triage.domain.report.versions import questionnaire_of
from triage.domain.scales import Urgency
from triage.web.access import database, record_staff_event, role_required, signed_in_staff
from triage.web.clinic.forms import DecisionForm, FeedbackForm, InvitationForm, NoteForm, query_args, worklist_query
from triage.web.clinic_details import clinic
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable

log = logging.getLogger("triage.clinic")
routes = RouteTable()

STATUS_LABELS = {"invited": "Invited", "in_progress": "In progress", "submitted": "Submitted", "reviewed": "Reviewed"}
URGENCY_LABELS = {str(u): u.label for u in Urgency}


def differential_names() -> dict[str, str]:
    """Display names of the current ruleset's differentials (empty when the ruleset cannot load)."""
    try:
        with database().session() as session:
            return {d.id: d.name for d in ruleset_in_force(session).differentials}
    except RulesetError:
        log.exception("the current ruleset failed to load; showing differential ids")
        return {}


def _worklist_page(invitation: dict[str, str] | None = None, form: InvitationForm | None = None) -> str:
    query = worklist_query(request.args)
    with database().session() as session:
        people = decisions.clinicians(session)
        if isinstance(query.assignee, int) and query.assignee not in {c.id for c in people}:
            query = replace(query, assignee=None)  # not a clinician: the filter is ignored, as any bad value is
        page = worklist.worklist_page(session, query)
        counts = worklist.status_counts(session)
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
        names=differential_names(),
        statuses=INTAKE_STATUSES,
        status_labels=STATUS_LABELS,
        urgency_labels=URGENCY_LABELS,
        decision_labels=decisions.DECISION_LABELS,
        clinicians=people,
        args=lambda **changes: query_args(query, **changes),
        form=form or InvitationForm(formdata=None),
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
    """Create a patient invitation; the link is shown once in this response and stored only as a hash."""
    form = InvitationForm()
    if not form.validate_on_submit():
        return _worklist_page(form=form), 400
    ref = (form.ref.data or "").strip()
    with database().session() as session:
        token, intake = queries.create_invitation(
            session,
            ref=ref,
            questionnaire_version=default_questionnaire().version,
            expires_days=clinic().invite_expiry_days,
            appointment_date=form.appointment.data,
            created_by=signed_in_staff().email,
        )
        record_staff_event(
            session, "invitation.create", intake_id=intake.id, detail=f"appointment={form.appointment.data or 'none'}"
        )
        intake_id = intake.id
    link = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/i/{token}"
    days = clinic().invite_expiry_days
    return _worklist_page(invitation={"ref": ref, "link": link, "intake_id": str(intake_id), "days": str(days)})


def _back(intake_id: int, anchor: str = "", **args: Any) -> Response:
    target = url_for("clinic.intake", intake_id=intake_id, **args) + (f"#{anchor}" if anchor else "")
    return redirect(target, code=303)  # type: ignore[return-value]


@routes.route("/intakes/<int:intake_id>", endpoint="intake")
@role_required("clinician")
def intake_view(intake_id: int) -> Any:
    """One intake: red flags, differentials with reasons, tests, caveats, gaps, HPI, chart, answers; integrity checked."""
    return intake_page(intake_id)


def intake_page(intake_id: int, note_form: NoteForm | None = None, decision_form: DecisionForm | None = None) -> Any:
    """The intake review page, with a posted form's errors when one failed to validate (404 page for no such intake)."""
    compare_to = request.args.get("compare", type=int)
    with database().session() as session:
        record = intake_record.intake_record(session, intake_id)
        if record is None:
            return render_error(404, "There is no intake with that number.")
        version = record.evaluation.ruleset_version if record.evaluation else None
        record_staff_event(session, "intake.view", intake_id=intake_id, ruleset_version=version)
        if not record.integrity_ok:
            record_staff_event(
                session,
                "intake.integrity_mismatch",
                intake_id=intake_id,
                ruleset_version=version,
                outcome="alert",
                detail="stored answers do not match the SHA-256 recorded at submission",
            )
            log.warning("intake %d: answers do not match their stored SHA-256", intake_id)
        older = (
            worklist.evaluation_result(session, intake_id, compare_to)
            if compare_to and record.evaluation and compare_to != record.evaluation.id
            else None
        )
        people = decisions.clinicians(session)
        alerts = alert_queue.alerts_for_intake(session, intake_id, stale_hours=float(current_app.config["STALE_FLAG_HOURS"]))
    questionnaire = questionnaire_of(record.questionnaire_version)  # the questions this patient was asked
    standing = record.decision.decision if record.decision else ""
    decision_form = decision_form.offer(people) if decision_form else DecisionForm.standing(standing, record.assignee_id, people)
    report = build_report(questionnaire, record.answers, record.result, record.submitted_on) if record.evaluation else None
    changes = compare_results(questionnaire, older, record.result) if older is not None else None
    names = {d.id: d.name for d in report.differentials} if report else {}
    return render_template(
        "clinic/intake.html",
        record=record,
        report=report,
        answers_too_few=answers_too_few(record.result) if record.evaluation else False,
        chart=severity_chart(report.severities) if report else None,
        changes=changes,
        names=names,
        status_labels=STATUS_LABELS,
        note_form=note_form or NoteForm(formdata=None),
        decision_form=decision_form,
        alerts=alerts,
        decidable=record.status in decisions.DECIDABLE,
        feedback_form=FeedbackForm(formdata=None),
        action_form=ActionForm(formdata=None),
    )


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
    return _back(intake_id, "notes")


@routes.route("/intakes/<int:intake_id>/feedback", methods=["POST"])
@role_required("clinician")
def feedback(intake_id: int) -> Any:
    """Record agree/disagree with one differential, with a reason kept for the rule editors."""
    form = FeedbackForm()
    if not form.validate_on_submit():
        flash("Choose agree or disagree (and keep the reason under 500 characters).", "error")
        return _back(intake_id, "differentials")
    differential = form.differential_id.data or ""
    with database().session() as session:
        saved = worklist.record_feedback(
            session,
            intake_id,
            int(form.evaluation_id.data or 0),
            differential,
            signed_in_staff().id,
            form.verdict.data == "agree",
            form.reason.data or "",
        )
        if not saved:
            return render_error(404, "That differential is not part of this intake's result.")
        record_staff_event(
            session,
            "intake.feedback",
            intake_id=intake_id,
            detail=f"{differential} {form.verdict.data} evaluation {form.evaluation_id.data}",
        )
    flash("Your view on this differential was saved.", "info")
    return _back(intake_id, f"d-{differential}")


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
    return _back(intake_id)


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
            return _back(intake_id)
        if ids is None:
            return render_error(404, "Only a submitted intake can be evaluated again.")
        record_staff_event(
            session,
            "intake.reevaluate",
            intake_id=intake_id,
            ruleset_version=ruleset.version,
            detail=f"evaluation {ids[0]} -> {ids[1]}",
        )
    flash(f"Evaluated again with ruleset {ruleset.version}; the earlier result is kept.", "info")
    return _back(intake_id, "changes", compare=ids[0])
