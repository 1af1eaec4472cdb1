"""The signed letter with its PDF for FHIR: the stored PDF when it was rendered from the letter as it now reads."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from triage.db.fhir_letter import signed_letter
from triage.domain.report.fhir_document import SignedLetter
from triage.pdf import stored
from triage.pdf.summary import PdfSettings


def letter_with_stored_pdf(session: Session, intake_id: int, settings: PdfSettings) -> SignedLetter | None:
    """The intake's signed letter with its current stored PDF, or with pdf None when none is stored yet (never renders).

    Call it with times shown in the clinic's zone (triage.db.clock.times_shown_in), as the PDF job rendered it.
    """
    letter = signed_letter(session, intake_id)
    if letter is None:
        return None
    state = stored.letter_state(session, intake_id, settings)
    document = stored.stored_pdf(session, state) if state is not None else None
    return replace(letter, pdf=document)
