"""The clinic's PDF downloads: the letter from its stored file (rendered by a background job, never in the request),
and the patient's copy of their answers (small, rendered in the request through the same limited pool).

A download (POST, CSRF-checked, audited) sends the stored PDF when it was rendered from the letter's HTML as it is now.
Otherwise it queues the job and redirects to a short "being prepared" page that refreshes itself (no script) until the
PDF is ready, then offers the download button again; the web worker only ever builds the HTML to hash it.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, make_response, redirect, render_template, url_for

from triage.db.intake_record import intake_record
from triage.jobs.letter_pdf import enqueue_letter_pdf, letter_key
from triage.pdf import stored
from triage.pdf import summary as pdf
from triage.pdf.patient_copy import patient_copy_pdf
from triage.web.access import database, record_staff_event, role_required
from triage.web.clinic.patient_copy import patient_copy
from triage.web.clinic_details import clinic
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.job_queue import job_queue
from triage.web.routes import RouteTable

log = logging.getLogger("triage.clinic")
routes = RouteTable()

REFRESH_SECONDS = 2
NOT_SUBMITTED = "There is no summary for this intake yet: it has not been submitted."


def _state_and_pdf(intake_id: int) -> tuple[stored.LetterState | None, bytes | None]:
    settings = pdf.PdfSettings.from_config(current_app.config).with_clinic(clinic())
    with database().session() as session:
        state = stored.letter_state(session, intake_id, settings)
        return state, (stored.stored_pdf(session, state) if state is not None else None)


def _send(state: stored.LetterState, document: bytes) -> Response:
    with database().session() as session:
        record_staff_event(
            session, "intake.pdf", intake_id=state.intake_id, ruleset_version=state.ruleset_version, detail="stored"
        )
        if not state.integrity_ok:
            record_staff_event(
                session,
                "intake.integrity_mismatch",
                intake_id=state.intake_id,
                ruleset_version=state.ruleset_version,
                outcome="alert",
                detail="PDF downloaded; stored answers do not match the SHA-256 recorded at submission",
            )
    return Response(
        document,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="intake-{state.intake_id}.pdf"'},
    )


@routes.route("/intakes/<int:intake_id>/pdf", methods=["POST"])
@role_required("clinician")
def download_pdf(intake_id: int) -> Any:
    """The PDF summary as an attachment when it is ready; else queue it and show the "being prepared" page."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    state, document = _state_and_pdf(intake_id)
    if state is None:
        return render_error(404, NOT_SUBMITTED)
    if document is not None:
        return _send(state, document)
    # Asked for again after a failure too: a clinician's retry is a new job.
    enqueue_letter_pdf(job_queue(), intake_id)
    return redirect(url_for("clinic.pdf_preparing", intake_id=intake_id), code=303)


@routes.route("/intakes/<int:intake_id>/pdf/preparing", endpoint="pdf_preparing")
@role_required("clinician")
def pdf_preparing(intake_id: int) -> Any:
    """While the PDF is being made: a page that refreshes itself; then the download button; or why it failed."""
    state, document = _state_and_pdf(intake_id)
    if state is None:
        return render_error(404, NOT_SUBMITTED)
    queue = job_queue()
    job = None if document is not None else queue.state(letter_key(intake_id))
    if document is None and job is None:  # no job left (it ran for an older letter, or a queue lost it): one more
        enqueue_letter_pdf(queue, intake_id)
        job = "queued"
    status = "ready" if document is not None else ("failed" if job == "failed" else "preparing")
    page = make_response(
        render_template(
            "clinic/pdf_preparing.html",
            intake_id=intake_id,
            status=status,
            refresh=REFRESH_SECONDS if status == "preparing" else None,
            form=ActionForm(),
        )
    )
    if status == "preparing":
        # The HTTP Refresh header, not a <meta> refresh (which axe and WCAG 2.2.1 count as a timing a user cannot
        # stop): the page also offers "Check now", and it stops refreshing once the file is ready or failed.
        page.headers["Refresh"] = str(REFRESH_SECONDS)
    return page


@routes.route("/intakes/<int:intake_id>/patient-copy", methods=["POST"], endpoint="patient_copy")
@role_required("clinician")
def download_patient_copy(intake_id: int) -> Any:
    """The patient's copy of their answers in their language (a small PDF, rendered now in the pool), audited."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    with database().session() as session:
        record = intake_record(session, intake_id)
    if record is None or not record.submitted:
        return render_error(404, "There is no copy of answers for this intake yet: it has not been submitted.")
    copy = patient_copy(record)
    settings = pdf.PdfSettings.from_config(current_app.config).with_clinic(clinic())
    try:
        document = patient_copy_pdf(copy, settings)
    except (pdf.RenderTimeout, pdf.RenderFailed):
        log.warning("the patient's copy of intake %d could not be rendered", intake_id)
        with database().session() as session:
            record_staff_event(session, "intake.patient_copy", intake_id=intake_id, outcome="failed")
        return render_error(503, "The copy of answers could not be made just now. Please try again in a minute.")
    with database().session() as session:
        record_staff_event(session, "intake.patient_copy", intake_id=intake_id, detail=f"language={copy.language}")
    return Response(
        document,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="answers-{intake_id}-{copy.language}.pdf"'},
    )
