"""The letter PDF job: render an intake's letter when it changed and store it, keyed by the HTML it came from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage.config import Settings
from triage.db.clinic_profile import load_clinic_profile
from triage.db.clock import times_shown_in
from triage.jobs.queue import JobContext, JobQueue
from triage.pdf.stored import render_and_store
from triage.pdf.summary import PdfSettings

KIND = "letter_pdf"


def letter_key(intake_id: int) -> str:
    """The job key of an intake's letter PDF: one waiting job per intake, whatever changed."""
    return f"{KIND}:{intake_id}"


def enqueue_letter_pdf(queue: JobQueue, intake_id: int) -> bool:
    """Ask for the intake's letter PDF to be rendered (a no-op while a job for it waits to start)."""
    return queue.enqueue(KIND, letter_key(intake_id), {"intake_id": intake_id})


def pdf_settings(settings: Settings, context: JobContext) -> tuple[PdfSettings, str]:
    """The PDF settings with the clinic's details as an admin set them, and the clinic's time zone."""
    with context.db.session() as session:
        profile = load_clinic_profile(session, settings)
    return PdfSettings.from_config(settings.flask_config()).with_clinic(profile), profile.time_zone


def render_letter_pdf(context: JobContext, payload: Mapping[str, Any]) -> str:
    """The job: render and store the letter unless the stored PDF is current ("stored", "current" or "gone")."""
    settings, zone = pdf_settings(context.settings, context)
    # Times in the letter are shown in the clinic's zone, as on the staff pages that compute the same hash.
    with times_shown_in(zone):
        return render_and_store(context.db, int(payload["intake_id"]), settings)
