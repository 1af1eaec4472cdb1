"""The admin delivery page: every outbox message's kind, masked recipient, status and tries; the failed background jobs."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from redis.exceptions import RedisError

from triage.db import outbox
from triage.db.job_table import FailedJob
from triage.jobs.queue import MAX_ATTEMPTS
from triage.web.access import database, record_staff_event, role_required, signed_in_staff
from triage.web.job_queue import job_queue
from triage.web.routes import RouteTable
from triage.web.staff.ehr_deliveries_admin import ehr_section

routes = RouteTable()

PAGE_SIZE = 50
FAILED_JOBS_SHOWN = 20
BEFORE_PROBLEM = "before: give a message number (a whole number of 1 or more) to list the messages older than it."


def _before() -> tuple[int | None, str]:
    raw = request.args.get("before", "")
    if not raw:
        return None, ""
    if not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        return None, BEFORE_PROBLEM
    return int(raw), ""


@routes.route("/deliveries", endpoint="deliveries")
@role_required("admin")
def deliveries() -> Any:
    """Messages newest first (kind, channel, masked recipient, status with the reason, tries, times), 50 a page."""
    before, problem = _before()
    if problem:
        return render_template("admin/deliveries.html", rows=[], counts={}, problem=problem, older=None, first=True), 400
    # Intake numbers link to the intake for a clinician, else to that intake's audit trail (an admin's own page).
    clinician = "clinician" in signed_in_staff().roles
    with database().session() as db_session:
        rows, older = outbox.delivery_page(db_session, before, PAGE_SIZE)
        counts = outbox.status_counts(db_session)
        ehr = ehr_section(db_session)
        record_staff_event(db_session, "deliveries.view", detail=f"before={before or ''} rows={len(rows)}")
    failed_jobs, jobs_problem = _failed_jobs()
    links = {
        row.id: url_for("clinic.intake", intake_id=row.intake_id) if clinician else url_for("admin.audit", intake=row.intake_id)
        for row in rows
        if row.intake_id is not None
    }
    return render_template(
        "admin/deliveries.html",
        rows=rows,
        counts=counts,
        links=links,
        problem="",
        older=older,
        first=before is None,
        failed_jobs=failed_jobs,
        jobs_problem=jobs_problem,
        max_attempts=MAX_ATTEMPTS,
        ehr=ehr,
        ehr_links={r.intake_id: _intake_link(r.intake_id, clinician) for r in ehr["rows"]},
    )


def _intake_link(intake_id: int, clinician: bool) -> str:
    return url_for("clinic.intake", intake_id=intake_id) if clinician else url_for("admin.audit", intake=intake_id)


def _failed_jobs() -> tuple[list[FailedJob], str]:
    """Background jobs that failed for good (kind, tries, error class: no health data), or why they cannot be read."""
    try:
        return job_queue().failed(FAILED_JOBS_SHOWN), ""
    except RedisError as error:
        return [], f"The job queue (Redis) cannot be reached: {type(error).__name__}."
