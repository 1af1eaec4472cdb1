"""The letter page: the clinician edits the generated letter, strikes differentials, signs it, amends a signed one.

Signed letters are read-only: a further change needs an explicit "Amend", which starts a new, unsigned revision
from the signed text, so what the GP received stays on record exactly as it was signed. Every save is a new stored
row (who, when, the texts), so the history holds each previous text.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from triage.db import letters as stored
from triage.db.intake_record import IntakeRecord, intake_record
from triage.domain.report.letter import FIELD_LABELS, FIELDS, clinician_edits, generated_texts
from triage.domain.report.model import Report, build_report
from triage.domain.report.versions import questionnaire_of
from triage.pdf.letter_context import record_letter
from triage.web.access import database, record_staff_event, role_required, signed_in_staff
from triage.web.clinic.ehr_hook import enqueue_after_commit, queue_on_signature
from triage.web.clinic.letter_forms import LetterForm, ReferralForm
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.job_queue import letter_changed
from triage.web.routes import RouteTable

routes = RouteTable()
NOT_SENT = "There is no letter for this intake yet: the patient has not sent the questionnaire."


def _report(record: IntakeRecord) -> Report:
    return build_report(questionnaire_of(record.questionnaire_version), record.answers, record.result, record.submitted_on)


def _choices(report: Report) -> list[tuple[str, str]]:
    return [(d.id, f"{d.name} ({d.level} suspicion)") for d in report.differentials if d.level in ("high", "moderate")]


def _back(intake_id: int, anchor: str = "") -> Response:
    return redirect(url_for("clinic.letter", intake_id=intake_id) + (f"#{anchor}" if anchor else ""), code=303)


def _page(record: IntakeRecord, form: LetterForm | None = None, referral_form: ReferralForm | None = None) -> str:
    report = _report(record)
    letter = record_letter(record, report)
    state = record.letter
    form = form or LetterForm.filled(letter.texts, [d.id for d in letter.struck])
    referral = vars(record.referral)
    return render_template(
        "clinic/letter.html",
        record=record,
        report=report,
        letter=letter,
        state=state,
        sender=record.sender,
        labels=FIELD_LABELS,
        fields=FIELDS,
        form=form.offer(_choices(report)),
        referral_form=referral_form or ReferralForm(formdata=None, data=referral),
        action_form=ActionForm(),
    )


def _record(intake_id: int, action: str) -> IntakeRecord | Any:
    """The intake's record with an audit row for the access, or an error page (404, or no letter before submission)."""
    with database().session() as session:
        record = intake_record(session, intake_id)
        if record is None:
            return render_error(404, "There is no intake with that number.")
        version = record.evaluation.ruleset_version if record.evaluation else None
        record_staff_event(session, action, intake_id=intake_id, ruleset_version=version)
    if record.evaluation is None:
        return render_error(404, NOT_SENT)
    return record


@routes.route("/intakes/<int:intake_id>/letter", endpoint="letter")
@role_required("clinician")
def letter_view(intake_id: int) -> Any:
    """The letter as it will be sent, its editable texts, the struck differentials, its history and signature."""
    record = _record(intake_id, "letter.view")
    return _page(record) if isinstance(record, IntakeRecord) else record


@routes.route("/intakes/<int:intake_id>/letter", methods=["POST"], endpoint="letter_save")
@role_required("clinician")
def letter_save(intake_id: int) -> Any:
    """Save the clinician's edits of a draft letter, or sign and finalise it as it now reads."""
    if not ActionForm().validate_on_submit():  # the CSRF token first, before anything is read
        return render_error(400)
    with database().session() as session:
        record = intake_record(session, intake_id)
    if record is None:
        return render_error(404, "There is no intake with that number.")
    if record.evaluation is None:
        return render_error(404, NOT_SENT)
    report = _report(record)
    form = LetterForm().offer(_choices(report))
    if not form.validate_on_submit():
        return _page(record, form=form), 400
    before = record_letter(record, report)
    decision = record.decision
    struck = list(form.struck.data or [])
    now = generated_texts(report, decision.decision if decision else "", struck, record.appointment)
    saved = dict(record.letter.texts) if record.letter else {}
    edits = clinician_edits(form.texts(), now, before.generated, saved)
    signing = bool(form.sign.data)
    to_enqueue = False
    with database().session() as session:
        staff = signed_in_staff()
        try:
            write = stored.sign_letter if signing else stored.save_letter
            revision = write(session, intake_id, staff.id, edits, struck)
        except stored.LetterRefused as refused:
            record_staff_event(session, "letter.sign" if signing else "letter.edit", intake_id=intake_id, outcome="refused")
            flash(str(refused), "error")
            return _back(intake_id)
        changed = ",".join(f for f in FIELDS if edits.get(f) != saved.get(f)) or "none"
        record_staff_event(
            session,
            "letter.sign" if signing else "letter.edit",
            intake_id=intake_id,
            ruleset_version=record.evaluation.ruleset_version,
            detail=f"revision={revision} fields={changed} struck={len(struck)}",
        )
        if signing:  # the finalised letter goes to the EHR (when one is configured), queued in this transaction
            to_enqueue = queue_on_signature(session, intake_id, revision)
    letter_changed(intake_id)
    if to_enqueue:
        enqueue_after_commit(intake_id)
    flash(f"Letter signed and finalised (revision {revision})." if signing else "Draft saved.", "info")
    return _back(intake_id)


@routes.route("/intakes/<int:intake_id>/letter/amend", methods=["POST"], endpoint="letter_amend")
@role_required("clinician")
def letter_amend(intake_id: int) -> Any:
    """Start a new unsigned revision of a signed letter (the signed one stays in the history)."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    with database().session() as session:
        if intake_record(session, intake_id) is None:
            return render_error(404, "There is no intake with that number.")
        try:
            revision = stored.amend_letter(session, intake_id, signed_in_staff().id)
        except stored.LetterRefused as refused:
            record_staff_event(session, "letter.amend", intake_id=intake_id, outcome="refused")
            flash(str(refused), "error")
            return _back(intake_id)
        record_staff_event(session, "letter.amend", intake_id=intake_id, detail=f"revision={revision}")
    letter_changed(intake_id)
    flash(f"Revision {revision} started: edit it, then sign it again. Until then the PDF is a draft.", "info")
    return _back(intake_id)


@routes.route("/intakes/<int:intake_id>/referral", methods=["POST"], endpoint="referral_save")
@role_required("clinician")
def referral_save(intake_id: int) -> Any:
    """Change the referral's details: the patient's NHS number and MRN, the referring clinician and practice."""
    if not ActionForm().validate_on_submit():  # the CSRF token first, before anything is read
        return render_error(400)
    with database().session() as session:
        record = intake_record(session, intake_id)
    if record is None:
        return render_error(404, "There is no intake with that number.")
    form = ReferralForm()
    if not form.validate_on_submit():
        if record.evaluation is None:
            return render_error(400, "Check the referral details: " + "; ".join(str(e[0]) for e in form.errors.values()))
        return _page(record, referral_form=form), 400
    with database().session() as session:
        changed = stored.set_referral(session, intake_id, stored.clean_referral(form.values()))
        # Which fields changed, never their values (identifiers are health data).
        record_staff_event(session, "referral.edit", intake_id=intake_id, detail="fields=" + (",".join(changed) or "none"))
    letter_changed(intake_id)
    flash("Referral details saved." if changed else "Nothing changed.", "info")
    return _back(intake_id, "referral")
