"""Letter PDFs rendered off the request path: each stored under a hash of the HTML it was rendered from.

The HTML is cheap to build (milliseconds) and says everything the PDF shows, so a stored PDF is current exactly when
the letter's HTML today hashes to its key: no list of what can change the letter is kept anywhere. The time the PDF
was made is the one part of the HTML that changes by itself, so the hash is taken with a fixed marker in its place.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.db.clock import minute_text, utcnow
from triage.db.intake_record import intake_record
from triage.db.models import PdfCache
from triage.db.rule_signoffs import reviewed_when_evaluated
from triage.db.session import Database
from triage.pdf.summary import PdfOutcome, PdfSettings, document_html, render_pdf, template_version

log = logging.getLogger("triage.pdf.stored")

GENERATED_MARK = "@@generated-at@@"  # stands for the render time in the hashed HTML


@dataclass(frozen=True)
class LetterState:
    """An intake's letter as it is now: its HTML (the render time marked), the key a current PDF is stored under."""

    intake_id: int
    html: str
    key: str
    integrity_ok: bool
    ruleset_version: str


def letter_state(session: Session, intake_id: int, settings: PdfSettings) -> LetterState | None:
    """The letter's state now; None when there is no such intake or it has no stored result (nothing to print)."""
    record = intake_record(session, intake_id)
    if record is None or record.evaluation is None:
        return None
    html = document_html(record, settings, GENERATED_MARK, rules_reviewed=reviewed_when_evaluated(session, record.evaluation.id))
    digest = hashlib.sha256(b"letter-html:1\0")
    # The logo's bytes and the template's assets shape the PDF but are only named in the HTML.
    for part in (html.encode(), hashlib.sha256(settings.logo).hexdigest().encode(), template_version().encode()):
        digest.update(part + b"\0")
    return LetterState(intake_id, html, digest.hexdigest(), record.integrity_ok, record.evaluation.ruleset_version)


def stored_pdf(session: Session, state: LetterState) -> bytes | None:
    """The stored PDF when it was rendered from this state's HTML, else None."""
    found = session.scalar(select(PdfCache.pdf).where(PdfCache.key_sha256 == state.key, PdfCache.intake_id == state.intake_id))
    return bytes(found) if found is not None else None


def store(db: Database, state: LetterState, pdf: bytes) -> None:
    """Keep this PDF as the intake's one stored PDF (older ones go); a concurrent store of the same key is fine."""
    with db.session() as session:
        session.execute(delete(PdfCache).where(PdfCache.intake_id == state.intake_id, PdfCache.key_sha256 != state.key))
        try:
            with session.begin_nested():
                session.add(PdfCache(key_sha256=state.key, intake_id=state.intake_id, pdf=pdf, created_at=utcnow()))
        except IntegrityError:
            log.info("PDF for intake %d was stored by another worker already", state.intake_id)


def render_and_store(db: Database, intake_id: int, settings: PdfSettings) -> str:
    """Render the intake's letter unless a current PDF is stored, and store it: "stored", "current" or "gone"."""
    with db.session() as session:
        state = letter_state(session, intake_id, settings)
        if state is None:
            return "gone"
        if stored_pdf(session, state) is not None:
            return "current"
    store(db, state, render(state, settings))
    return "stored"


def render(state: LetterState, settings: PdfSettings) -> bytes:
    """The PDF of this state, made now, in the pebble pool with its time and memory limits (RenderTimeout, RenderFailed)."""
    return render_pdf(state.html.replace(GENERATED_MARK, minute_text(utcnow())), settings)


def letter_pdf_now(db: Database, intake_id: int, settings: PdfSettings) -> PdfOutcome | None:
    """The stored PDF when current, else rendered here and stored (the command line's path: no web worker waits)."""
    with db.session() as session:
        state = letter_state(session, intake_id, settings)
        if state is None:
            return None
        document = stored_pdf(session, state)
    if document is not None:
        return PdfOutcome(document, True, state.integrity_ok, state.ruleset_version)
    document = render(state, settings)
    store(db, state, document)
    return PdfOutcome(document, False, state.integrity_ok, state.ruleset_version)
