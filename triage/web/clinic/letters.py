"""The clinic's PDF summary download: rendered once per intake state in the worker pool, then served from the cache."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app

from triage.pdf import summary as pdf
from triage.web.access import database, record_staff_event, role_required
from triage.web.clinic_details import clinic
from triage.web.errors import render_error
from triage.web.forms import ActionForm
from triage.web.routes import RouteTable

log = logging.getLogger("triage.clinic")
routes = RouteTable()


@routes.route("/intakes/<int:intake_id>/pdf", methods=["POST"])
@role_required("clinician")
def download_pdf(intake_id: int) -> Any:
    """The PDF summary as an attachment (rendered once per state, then served from the cache)."""
    if not ActionForm().validate_on_submit():
        return render_error(400)
    settings = pdf.PdfSettings.from_config(current_app.config).with_clinic(clinic())
    try:
        outcome = pdf.intake_pdf(database(), intake_id, settings)
    except (pdf.RenderTimeout, pdf.RenderFailed) as error:
        log.warning("PDF for intake %d not rendered: %s", intake_id, error)
        with database().session() as session:
            record_staff_event(session, "intake.pdf", intake_id=intake_id, outcome="failed", detail=type(error).__name__)
        body, code = render_error(503, "The PDF is taking too long to prepare. Please try again in a moment.")
        return Response(body, code, headers={"Retry-After": "30"}, mimetype="text/html")
    if outcome is None:
        return render_error(404, "There is no summary for this intake yet: it has not been submitted.")
    with database().session() as session:
        record_staff_event(
            session,
            "intake.pdf",
            intake_id=intake_id,
            ruleset_version=outcome.ruleset_version,
            detail="cached" if outcome.cached else "rendered",
        )
        if not outcome.integrity_ok:
            record_staff_event(
                session,
                "intake.integrity_mismatch",
                intake_id=intake_id,
                ruleset_version=outcome.ruleset_version,
                outcome="alert",
                detail="PDF downloaded; stored answers do not match the SHA-256 recorded at submission",
            )
    return Response(
        outcome.pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="intake-{intake_id}.pdf"'}
    )
