"""Sending to the EHR in tests: sign an intake's letter as a clinician does, read its delivery, run the worker's sweep."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.helpers.html_forms import form_posting_to
from tests.helpers.pdf_jobs import context_of
from triage.db.clock import utcnow
from triage.db.models import EhrDelivery, PdfCache
from triage.jobs.ehr_send import send_intake
from triage.jobs.ehr_sweep import resend_due

EHR_TOKEN = "ehr-test-token-0123456789"  # noqa: S105 - the test endpoint's Bearer token
FIELDS = ("bottom_line", "impression", "plan", "gp_actions", "patient_actions")


def ehr_settings(endpoint_url: str) -> dict[str, Any]:
    """The settings that send letters to the test's FHIR endpoint, with a short timeout."""
    return {"EHR_FHIR_URL": endpoint_url, "EHR_FHIR_TOKEN": EHR_TOKEN, "EHR_FHIR_TIMEOUT_SECONDS": 1.0}


def letter_post(client: FlaskClient, intake_id: int, path: str = "/letter", **extra: str) -> Any:
    """POST the letter page's form as a browser would send it back unchanged, with these extra fields."""
    url = f"/clinic/intakes/{intake_id}/letter"
    data = form_posting_to(client.get(url).data, url).post_data()
    texts = {k: str(data.get(k, "")).removeprefix("\r\n").removeprefix("\n") for k in FIELDS}
    return client.post(f"/clinic/intakes/{intake_id}{path}", data={"csrf_token": data["csrf_token"], **texts, **extra})


def sign_letter(client: FlaskClient, intake_id: int) -> None:
    """Sign and finalise the intake's letter as it reads (the clinician's "Sign and finalise")."""
    assert letter_post(client, intake_id, sign="Sign and finalise").status_code == 303


def amend_letter(client: FlaskClient, intake_id: int) -> None:
    """Start a new revision of the signed letter."""
    url = f"/clinic/intakes/{intake_id}/letter"
    token = form_posting_to(client.get(url).data, f"{url}/amend").post_data()["csrf_token"]
    assert client.post(f"{url}/amend", data={"csrf_token": token}).status_code == 303


def delivery(app: Flask, intake_id: int) -> dict[str, Any]:
    """The intake's delivery row as a dict (status, attempts, reason, revisions)."""
    with app.extensions["triage_db"].session() as session:
        row = session.scalar(select(EhrDelivery).where(EhrDelivery.intake_id == intake_id))
        assert row is not None, "no delivery was queued"
        names = ("status", "attempts", "reason", "letter_revision", "sent_revision", "next_attempt_at")
        return {name: getattr(row, name) for name in names}


def sweep(app: Flask, at: dt.datetime | None = None) -> int:
    """One run of the worker's periodic sweep at `at` (default now): send jobs asked for the due deliveries."""
    with app.extensions["triage_db"].session() as session:
        return resend_due(session, at or utcnow(), app.extensions["triage_settings"])


def run_send(app: Flask, intake_id: int) -> object:
    """Run the send job's handler once, directly (as a second worker running the same job would)."""
    return send_intake(context_of(app), {"intake_id": intake_id})


def stored_pdf_bytes(app: Flask, intake_id: int) -> bytes:
    """The intake's stored letter PDF."""
    with app.extensions["triage_db"].session() as session:
        found = session.scalar(select(PdfCache.pdf).where(PdfCache.intake_id == intake_id))
        assert found is not None, "no PDF is stored"
        return bytes(found)
