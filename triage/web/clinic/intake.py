"""The intake review page (a one-screen summary, the rest one click away) and the clinician's view of a differential."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from triage.db import alert_queue, decisions, ehr_deliveries, intake_record, rulesets, worklist
from triage.db.evaluations import ruleset_in_force, version_ruleset
from triage.db.intake_record import IntakeRecord
from triage.domain.engine.evaluate import Ruleset
from triage.domain.engine.result_view import answers_too_few, compare_results
from triage.domain.errors import RulesetError
from triage.domain.report.ask_first import AskFirst, ask_first
from triage.domain.report.chart import severity_chart
from triage.domain.report.feedback_reasons import AGREE, VERDICTS, reason_label
from triage.domain.report.model import build_report
from triage.domain.report.summary import intake_summary
from triage.domain.report.versions import questionnaire_of
from triage.web.access import database, record_staff_event, role_required, signed_in_staff
from triage.web.clinic.forms import DecisionForm, FeedbackForm, NoteForm
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable

log = logging.getLogger("triage.clinic")
routes = RouteTable()

STATUS_LABELS = {"invited": "Invited", "in_progress": "In progress", "submitted": "Submitted", "reviewed": "Reviewed"}
# The letter page (the letter's editing and signing) where the application has one.
LETTER_ENDPOINT = "clinic.letter"


def back_to_intake(intake_id: int, anchor: str = "", **args: Any) -> Response:
    """303 to the intake page (Post/Redirect/Get), at an anchor, with query arguments (`open` opens a section)."""
    target = url_for("clinic.intake", intake_id=intake_id, **args) + (f"#{anchor}" if anchor else "")
    return redirect(target, code=303)  # type: ignore[return-value]


@routes.route("/intakes/<int:intake_id>", endpoint="intake")
@role_required("clinician")
def intake_view(intake_id: int) -> Any:
    """One intake: the summary (urgency, alerts, top differentials, key tests, questions first, decision), then the rest."""
    return intake_page(intake_id)


def result_ruleset(session: Session, sha256: str) -> Ruleset | None:
    """The ruleset that made a stored result (the one in force when that version is not stored); None when none loads."""
    try:
        ruleset = ruleset_in_force(session)
        if not sha256 or ruleset.sha256 == sha256:
            return ruleset
        stored = rulesets.published_by_sha(session, [sha256]).get(sha256)
        return version_ruleset(stored) if stored is not None else ruleset
    except RulesetError:
        log.exception("the ruleset failed to load; the questions to ask are listed unordered")
        return None


def _questions(record: IntakeRecord, ruleset: Ruleset | None) -> tuple[AskFirst, ...]:
    if ruleset is None or record.evaluation is None:
        return ()
    return ask_first(ruleset, record.answers, record.submitted_on)


def _letter_url(intake_id: int) -> str:
    try:
        return url_for(LETTER_ENDPOINT, intake_id=intake_id)
    except BuildError:
        return ""


def intake_page(
    intake_id: int,
    note_form: NoteForm | None = None,
    decision_form: DecisionForm | None = None,
    feedback: dict[str, Any] | None = None,
) -> Any:
    """The intake review page, with a posted form's errors when one failed to validate (404 page for no such intake).

    `feedback` is a failed feedback post: the differential, the messages by field and the values sent.
    """
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
        ruleset = result_ruleset(session, record.evaluation.ruleset_sha256) if record.evaluation else None
        ehr_delivery = ehr_deliveries.delivery_view(session, intake_id)
    questionnaire = questionnaire_of(record.questionnaire_version)  # the questions this patient was asked
    standing = record.decision.decision if record.decision else ""
    decision_form = decision_form.offer(people) if decision_form else DecisionForm.standing(standing, record.assignee_id, people)
    report = build_report(questionnaire, record.answers, record.result, record.submitted_on) if record.evaluation else None
    changes = compare_results(questionnaire, older, record.result) if older is not None else None
    questions = _questions(record, ruleset)
    return render_template(
        "clinic/intake.html",
        record=record,
        report=report,
        summary=intake_summary(report, questions) if report else None,
        questions=questions,
        answers_too_few=answers_too_few(record.result) if record.evaluation else False,
        chart=severity_chart(report.severities) if report else None,
        changes=changes,
        names={d.id: d.name for d in report.differentials} if report else {},
        status_labels=STATUS_LABELS,
        note_form=note_form or NoteForm(formdata=None),
        decision_form=decision_form,
        alerts=alerts,
        decidable=record.status in decisions.DECIDABLE,
        verdicts=VERDICTS,
        verdict_words=reason_label,
        feedback=feedback or {},
        open_section=request.args.get("open", ""),
        letter_url=_letter_url(intake_id),
        ehr_delivery=ehr_delivery,
        action_form=ActionForm(formdata=None),
    )


@routes.route("/intakes/<int:intake_id>/feedback", methods=["POST"])
@role_required("clinician")
def feedback(intake_id: int) -> Any:
    """Record a clinician's view of one differential: agree, or a coded override reason and a note for the rule editors."""
    form = FeedbackForm()
    if not form.validate_on_submit():
        problems = form.problems()
        if not problems:  # the CSRF token or the hidden fields: nothing the clinician chose can be wrong
            return render_error(400, "The form had expired or was changed; open the intake again and resend your view.")
        for message in problems.values():
            flash(message, "error")
        failed = {
            "differential": form.differential_id.data or "",
            "errors": problems,
            "values": {"verdict": form.verdict.data or "", "reason": form.reason.data or ""},
        }
        page = intake_page(intake_id, feedback=failed)
        return page if isinstance(page, tuple) else (page, 400)
    differential, verdict = form.differential_id.data or "", form.verdict.data or ""
    with database().session() as session:
        saved = worklist.record_feedback(
            session,
            intake_id,
            int(form.evaluation_id.data or 0),
            differential,
            signed_in_staff().id,
            verdict == AGREE,
            form.reason.data or "",
            None if verdict == AGREE else verdict,
        )
        if not saved:
            return render_error(404, "That differential is not part of this intake's result.")
        # The audit row names the verdict's code only: the note may hold clinical detail.
        record_staff_event(
            session,
            "intake.feedback",
            intake_id=intake_id,
            detail=f"{differential} {verdict} evaluation {form.evaluation_id.data}",
        )
    flash("Your view on this differential was saved for the rule editors.", "info")
    return back_to_intake(intake_id, f"d-{differential}", open="differentials")
