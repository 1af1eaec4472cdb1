"""Many invitations at once: a CSV of appointments, every row checked first, all created (and their messages queued) or none."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, session, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from triage.db.clock import utcnow
from triage.db.invitation_import import clashes, import_rows
from triage.domain.invitations.csv_rows import COLUMN_NOTES, COLUMNS, MAX_BYTES, MAX_ROWS, CsvReport, read_csv, template_csv
from triage.domain.invitations.fields import Rules, rules_at
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.access import database, record_staff_event, role_required, signed_in_staff
from triage.web.clinic_details import clinic
from triage.web.i18n import language_choices
from triage.web.routes import RouteTable

routes = RouteTable()
RESULT_KEY = "invitation_upload"  # the last upload's counts, for the page the upload redirects to
SEE_OTHER = 303


def invitation_rules() -> Rules:
    """The checks' rules in this request: the clinic's today and time zone, and the languages the questionnaire offers."""
    return rules_at(utcnow(), clinic().time_zone, [language.code for language in language_choices()])


class UploadForm(FlaskForm):
    """The CSV file of appointments."""

    file = FileField("CSV file of appointments")


def _page(form: UploadForm, report: CsvReport | None = None, status: int = 200) -> tuple[str, int]:
    refusals = [{"line": r.line, "ref": r.ref, "reasons": list(r.reasons)} for r in (report.refusals if report else [])]
    return (
        render_template(
            "clinic/invitations_upload.html",
            form=form,
            columns=[(name, COLUMN_NOTES[name]) for name in COLUMNS],
            languages=[(language.code, language.name) for language in language_choices()],
            max_rows=MAX_ROWS,
            max_kb=MAX_BYTES // 1024,
            file_problem=report.file_problem if report else "",
            refusals=refusals,
            checked_rows=(len(report.rows) + len(report.refusals)) if report else 0,
            time_zone=clinic().time_zone,
        ),
        status,
    )


@routes.route("/invitations/upload", endpoint="invitations_upload")
@role_required("clinician")
def upload_page() -> Any:
    """The upload form, with the columns the file needs."""
    return _page(UploadForm())


@routes.route("/invitations/upload/template.csv", endpoint="invitations_template")
@role_required("clinician")
def template_file() -> Any:
    """A CSV with the header row and one example row."""
    return Response(
        template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="invitations-template.csv"'},
    )


def _read_upload(form: UploadForm) -> bytes | None:
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = ["Choose the CSV file to upload."]
        return None
    data: bytes = upload.stream.read(MAX_BYTES + 1)
    return data


@routes.route("/invitations/upload", methods=["POST"], endpoint="invitations_upload_post")
@role_required("clinician")
def upload() -> Any:
    """Check every row; create all the invitations and queue their messages in one transaction, or none."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    data = _read_upload(form)
    if data is None:
        return _page(form, status=400)
    report = read_csv(data, invitation_rules())
    with database().session() as db_session:
        if not report.file_problem and not report.refusals:
            report.refusals.extend(clashes(db_session, report.rows))
        if not report.accepted:
            record_staff_event(
                db_session,
                "invitation.upload",
                outcome="refused",
                detail=f"rows={len(report.rows) + len(report.refusals)} refused={len(report.refusals)}"
                + (" file refused" if report.file_problem else ""),
            )
            report.refusals.sort(key=lambda r: r.line)
            return _page(form, report, status=400)
        created = import_rows(
            db_session,
            report.rows,
            questionnaire_version=default_questionnaire().version,
            expires_days=clinic().invite_expiry_days,
            created_by=signed_in_staff().email,
        )
        for item in created:
            record_staff_event(
                db_session,
                "invitation.create",
                intake_id=item.intake_id,
                detail=f"upload channels={','.join(item.channels) or 'none'} referral={','.join(item.referral) or 'none'}",
            )
    session[RESULT_KEY] = {
        "created": len(created),
        "queued": sum(len(item.channels) for item in created),
        "days": clinic().invite_expiry_days,
    }
    return redirect(url_for("clinic.invitations_upload_done"), SEE_OTHER)


@routes.route("/invitations/upload/done", endpoint="invitations_upload_done")
@role_required("clinician")
def upload_done() -> Any:
    """How many invitations the last upload created and how many messages it queued."""
    result = session.get(RESULT_KEY)
    if not isinstance(result, dict):
        return redirect(url_for("clinic.invitations_upload"), SEE_OTHER)
    return render_template("clinic/invitations_upload_done.html", result=result)
